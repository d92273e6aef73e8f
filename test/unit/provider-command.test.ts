// `oauthcli provider add|list|remove` in process (src/cli/commands/provider.ts through the World
// seam, the issuer's discovery document answered by a fake HTTP client): what each prints and
// keeps, and the one line (with its exit code) each failure gives. Which settings `add` and `set`
// accept is test/unit/oidc-settings.test.ts's subject.
import { describe, expect, it } from 'vitest';
import { add, list, remove } from '../../src/cli/commands/provider.js';
import { accountMeta, commandWorld, exitCodeOf, storeAccount } from '../support/command-world.js';
import { fakeHttpClient, noRequestsHttpClient, type FakeHttpClient } from '../support/fake-http-client.js';
import type { TestWorld } from '../support/test-world.js';

const ISSUER = 'https://idp.example';
/** OpenID Connect Discovery 1.0 §3, with a device endpoint (RFC 8628 §4) and revocation (RFC 7009). */
const discovery = {
  issuer: ISSUER,
  authorization_endpoint: `${ISSUER}/authorize`,
  token_endpoint: `${ISSUER}/token`,
  device_authorization_endpoint: `${ISSUER}/device`,
  revocation_endpoint: `${ISSUER}/revoke`,
  jwks_uri: `${ISSUER}/jwks`,
  scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
};

const discovering = () => fakeHttpClient((req) => (req.url.pathname === '/.well-known/openid-configuration' ? { body: discovery } : { status: 404, body: 'Not Found' }));

function world(http: FakeHttpClient, stdin?: string): TestWorld {
  return commandWorld({ http, ...(stdin === undefined ? {} : { stdin }) });
}

describe('provider add', () => {
  it('reads the discovery document, keeps the issuer, says which flows it offers and the scopes it asks for; nothing on stdout', async () => {
    const http = discovering();
    const t = world(http);
    expect(await exitCodeOf(t, () => add(t.world, 'Corp', { issuer: ISSUER, clientId: 'cli' }), 'provider add')).toBe(0);
    expect(http.requests.map((r) => r.url.href)).toEqual([`${ISSUER}/.well-known/openid-configuration`]);
    expect(t.world.accounts.customProviders()).toEqual({ corp: { issuer: ISSUER, clientId: 'cli', offlineAccess: true } });
    expect(t.stdout()).toBe('');
    expect(t.stderr()).toBe(
      `✓ Added corp (${ISSUER}): browser (PKCE) and device flows, revocation. Sign in with: oauthcli login corp\n  scopes: openid profile email offline_access\n`,
    );
  });

  it('a client secret from stdin is kept and printed nowhere', async () => {
    const t = world(discovering(), 'the-client-secret\n');
    expect(await exitCodeOf(t, () => add(t.world, 'corp', { issuer: ISSUER, clientId: 'cli', clientSecretStdin: true }), 'provider add')).toBe(0);
    expect(t.stdout() + t.stderr()).not.toContain('the-client-secret');
  });

  it('an issuer whose discovery fails: exit 1, one line, nothing kept', async () => {
    const http = fakeHttpClient(() => ({ status: 404, body: 'Not Found' }));
    const t = world(http);
    expect(await exitCodeOf(t, () => add(t.world, 'corp', { issuer: ISSUER, clientId: 'cli' }), 'provider add')).toBe(1);
    expect(t.stderr()).toBe(`oauthcli: idp.example has no OpenID Connect discovery document (HTTP 404 for ${ISSUER}/.well-known/openid-configuration)\n`);
    expect(t.world.accounts.customProviders()).toEqual({});
  });

  it('usage errors (exit 2) before any request: a built-in name, a name that is not a word, plain http to a host across a network', async () => {
    const t = world(noRequestsHttpClient());
    expect(await exitCodeOf(t, () => add(t.world, 'github', { issuer: ISSUER, clientId: 'cli' }), 'provider add')).toBe(2);
    expect(await exitCodeOf(t, () => add(t.world, 'my corp', { issuer: ISSUER, clientId: 'cli' }), 'provider add')).toBe(2);
    expect(await exitCodeOf(t, () => add(t.world, 'corp', { issuer: 'http://idp.example', clientId: 'cli' }), 'provider add')).toBe(2);
    const lines = t.stderr().split('\n').slice(0, -1);
    expect(lines).toHaveLength(3);
    expect(lines[0]).toBe("oauthcli: 'github' is a built-in provider; choose another name");
    expect(lines[1]).toBe("oauthcli: a provider name is lower-case letters, digits and dashes, starting with a letter: 'my corp'");
    expect(lines[2]).toBe('oauthcli: the issuer must use https (plain http is allowed only on loopback addresses): http://idp.example');
    expect(t.world.accounts.customProviders()).toEqual({});
  });
});

describe('provider list', () => {
  it('the built-in providers, then the added ones, one a line on stdout', async () => {
    const t = world(discovering());
    await add(t.world, 'corp', { issuer: ISSUER, clientId: 'cli' });
    expect(await list(t.world, {})).toBe(0);
    const lines = t.stdout().trimEnd().split('\n');
    expect(lines.map((l) => l.split(/\s+/)[0])).toEqual(['github', 'google', 'gitlab', 'entra', 'corp']);
    expect(lines.at(-1)).toBe(`${'corp'.padEnd(16)}${'openid-connect'.padEnd(16)}${ISSUER}`);
  });
});

describe('provider remove', () => {
  it('forgets an added provider no account uses, and says so on stderr', async () => {
    const t = world(discovering());
    await add(t.world, 'corp', { issuer: ISSUER, clientId: 'cli' });
    expect(await exitCodeOf(t, () => remove(t.world, 'CORP'), 'provider remove')).toBe(0);
    expect(t.world.accounts.customProviders()).toEqual({});
    expect(t.stderr().split('\n').at(-2)).toBe('✓ Removed corp');
    expect(t.stdout()).toBe('');
  });

  it('usage errors (exit 2), nothing removed: a built-in provider, one never added, one an account still uses', async () => {
    const t = world(discovering());
    await add(t.world, 'corp', { issuer: ISSUER, clientId: 'cli' });
    await storeAccount(t, accountMeta('corp', 'idp.example', 'alice', { key: 'corp:idp.example:sub-1' }), { accessToken: 'at_alice_0123456789', tokenType: 'bearer', scopes: ['openid'] });
    const before = t.stderr().length;
    expect(await exitCodeOf(t, () => remove(t.world, 'github'), 'provider remove')).toBe(2);
    expect(await exitCodeOf(t, () => remove(t.world, 'nope'), 'provider remove')).toBe(2);
    expect(await exitCodeOf(t, () => remove(t.world, 'corp'), 'provider remove')).toBe(2);
    expect(t.stderr().slice(before).split('\n').slice(0, -1)).toEqual([
      "oauthcli: 'github' is a built-in provider and cannot be removed",
      "oauthcli: no provider named 'nope' was added",
      'oauthcli: 1 account(s) still use corp: run oauthcli logout corp first',
    ]);
    expect(Object.keys(t.world.accounts.customProviders())).toEqual(['corp']);
  });
});
