// The entra provider in process, against the fake Entra (test/support/entra-server.ts) through
// the real HTTP client: scopes per resource, tenants, the templated issuer validated against
// `tid`, identity from the ID token when userinfo refuses a token for another API, the ID token
// kept in the keychain (never the config) and replaced on refresh after §12.2's checks, and
// honest sign-out.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { run as runLogout } from '../../src/cli/commands/logout.js';
import { run as runRevoke } from '../../src/cli/commands/revoke.js';
import { run as runStatus } from '../../src/cli/commands/status.js';
import { run as runWhoami } from '../../src/cli/commands/whoami.js';
import { createHttpClient } from '../../src/http/client.js';
import { checkTenant, entra, entraScopes, resourceOf } from '../../src/providers/entra.js';
import { rememberTokens } from '../../src/session/deps.js';
import { openSession } from '../../src/session/open-session.js';
import { signIn, type SignInRequest } from '../../src/signin/sign-in.js';
import type { SignInUi } from '../../src/signin/ui.js';
import { ARM_SCOPE, DEFAULT_TENANT, startFakeEntra, type FakeEntra } from '../support/entra-server.js';
import { testWorld, type TestWorld } from '../support/test-world.js';

let server: FakeEntra;
const worlds: TestWorld[] = [];
beforeEach(async () => {
  server = await startFakeEntra();
});
afterEach(async () => {
  for (const w of worlds.splice(0)) w.cleanup();
  await server.close();
});

function world(env: NodeJS.ProcessEnv = {}): TestWorld {
  const w = testWorld({ http: createHttpClient({ maxTries: 1 }), env: { OAUTHCLI_ENTRA_CLIENT_ID: server.options.clientId, ...env } });
  worlds.push(w);
  return w;
}

/** A UI that plays the user: the browser flow through the fake's consent page, the device flow approved on its page. */
function playingUi(): SignInUi {
  return {
    note: () => undefined,
    async showDeviceCode(code) {
      setTimeout(() => server.approveDevice(undefined, code.userCode), 0);
      return () => undefined;
    },
    async showAuthorizationUrl(url) {
      setTimeout(() => void server.simulateBrowser(url).catch(() => undefined), 0);
      return true;
    },
    acceptPastedRedirect: () => () => undefined,
    waiting: () => ({ update() {}, stop() {} }),
  };
}

function request(over: Partial<SignInRequest> = {}): SignInRequest {
  return {
    provider: entra,
    host: server.host,
    flow: 'web',
    scopes: entra.defaultScopes,
    openBrowser: true,
    storage: 'keychain',
    timeoutMs: 20_000,
    terminal: { platform: 'linux', stdinIsTTY: false, stderrIsTTY: false },
    ...over,
  };
}

const USER = { sub: 'AAAAAAAAAAAAAAAAAAAAAIkzqFVrSaSaFHy782bbtaQ', tid: DEFAULT_TENANT, login: 'meganb@contoso.onmicrosoft.com' };
const KEY = () => `entra:${server.host}:${USER.tid}/${USER.sub}`;

describe('scopes', () => {
  it('Graph by default; a scope of another API replaces Graph\'s User.Read, and the OpenID Connect scopes always go with it', () => {
    expect(entraScopes(undefined)).toEqual(['openid', 'profile', 'email', 'offline_access', 'User.Read']);
    expect(entraScopes(['Mail.Read'])).toEqual(['openid', 'profile', 'email', 'offline_access', 'User.Read', 'Mail.Read']);
    expect(entraScopes([ARM_SCOPE])).toEqual(['openid', 'profile', 'email', 'offline_access', ARM_SCOPE]);
    expect(entraScopes(['api://1234/access'])).toEqual(['openid', 'profile', 'email', 'offline_access', 'api://1234/access']);
    expect(resourceOf('https://graph.microsoft.com/User.Read')).toBe('https://graph.microsoft.com');
    expect(resourceOf('https://management.azure.com/.default')).toBe('https://management.azure.com');
    expect(resourceOf('offline_access')).toBeUndefined();
  });

  it('tenants: aliases, ids and domains pass; anything else that would go into a URL is a usage error', () => {
    expect(checkTenant('Organizations')).toBe('organizations');
    expect(checkTenant(DEFAULT_TENANT.toUpperCase())).toBe(DEFAULT_TENANT);
    expect(checkTenant('contoso.onmicrosoft.com')).toBe('contoso.onmicrosoft.com');
    for (const bad of ['../common', 'a/b', 'contoso', 'x?y', '']) expect(() => checkTenant(bad)).toThrow(expect.objectContaining({ kind: 'usage', code: 'bad_tenant' }));
  });
});

describe('sign-in through organizations (the templated issuer)', () => {
  it('validates iss against the template with the token\'s tid, keys the account by tid and sub, keeps the ID token in the keychain only', async () => {
    const w = world();
    const { account, profile } = await signIn(w.world, playingUi(), request());
    expect(server.authorizeRequests[0]).toMatchObject({ tenant: 'organizations', scope: 'openid profile email offline_access User.Read', code_challenge_method: 'S256' });
    // No forced consent.
    expect(server.authorizeRequests[0]!.prompt).toBeUndefined();
    expect(profile).toMatchObject({ login: USER.login, id: USER.sub, tenant: USER.tid, name: 'Megan Bowen', email: 'meganb@contoso.com' });
    expect(account).toMatchObject({ key: KEY(), tenant: USER.tid, login: USER.login });
    const stored = await w.world.secrets('keychain').get(KEY());
    expect(stored!.idToken).toBe(server.grants[0]!.id_token);
    expect(readFileSync(join(w.configDir, 'config.json'), 'utf8')).not.toContain(stored!.idToken!.slice(20, 60));
    // The ID token is a remembered secret: nothing printed can show it.
    expect(w.world.redact(`x ${stored!.idToken} y`)).not.toContain(stored!.idToken!);
  });

  it('refuses an ID token whose iss names another tenant than its tid; nothing is stored', async () => {
    server.setOptions({ forgeIdToken: 'iss-other-tenant' });
    const w = world();
    await expect(signIn(w.world, playingUi(), request())).rejects.toMatchObject({ code: 'invalid_id_token', message: expect.stringMatching(/another issuer \(iss\)/) });
    expect(w.world.accounts.list()).toEqual([]);
  });

  it('refuses an ID token signed with a key the keys document gives to another tenant', async () => {
    server.setOptions({ forgeIdToken: 'key-of-other-tenant' });
    const w = world();
    await expect(signIn(w.world, playingUi(), request())).rejects.toMatchObject({ code: 'invalid_id_token', message: expect.stringMatching(/key that does not sign for its issuer/) });
  });

  it('refuses an ID token whose tid is not a GUID', async () => {
    server.setOptions({ forgeIdToken: 'non-guid-tid' });
    const w = world();
    await expect(signIn(w.world, playingUi(), request())).rejects.toMatchObject({ code: 'invalid_id_token' });
  });

  it('a tenant by domain: discovery names the tenant\'s own issuer (exact match), the account remembers its tid', async () => {
    const w = world();
    const { account } = await signIn(w.world, playingUi(), request({ tenant: 'contoso.onmicrosoft.com' }));
    expect(server.authorizeRequests[0]!.tenant).toBe('contoso.onmicrosoft.com');
    expect(account.tenant).toBe(USER.tid);
  });

  it('OAUTHCLI_ENTRA_TENANT names the tenant when --tenant is not given; --tenant wins', async () => {
    const w = world({ OAUTHCLI_ENTRA_TENANT: 'contoso.onmicrosoft.com' });
    await signIn(w.world, playingUi(), request());
    await signIn(w.world, playingUi(), request({ tenant: 'organizations' }));
    expect(server.authorizeRequests.map((r) => r.tenant)).toEqual(['contoso.onmicrosoft.com', 'organizations']);
    // The same user in the same tenant either way: one account.
    expect(w.world.accounts.list()).toHaveLength(1);
  });

  it('a discovery document that names an issuer of another origin is refused', async () => {
    server.fail('/organizations/v2.0/.well-known', { status: 200, body: { issuer: 'https://login.evil.example/{tenantid}/v2.0', authorization_endpoint: 'https://x/a', token_endpoint: 'https://x/t' }, times: 1 });
    const w = world();
    await expect(signIn(w.world, playingUi(), request())).rejects.toMatchObject({ code: 'discovery_failed' });
  });
});

describe('a token for another API (Azure Resource Manager)', () => {
  it('device flow: Graph\'s userinfo does not serve an ARM token, so who signed in comes from the validated ID token; whoami and status say so without failing', async () => {
    const w = world();
    const { profile } = await signIn(w.world, playingUi(), request({ flow: 'device', scopes: entraScopes([ARM_SCOPE]) }));
    expect(server.grants[0]).toMatchObject({ grant_type: 'device_code', resource: 'https://management.azure.com' });
    expect(profile).toMatchObject({ login: USER.login, id: USER.sub, tenant: USER.tid, name: 'Megan Bowen' });

    expect(await runWhoami(w.world, 'entra', { json: true })).toBe(0);
    expect(JSON.parse(w.stdout())).toMatchObject({ provider: 'entra', login: USER.login, id: USER.sub, name: 'Megan Bowen', tenant: USER.tid, scopes: ['openid', 'profile', 'email', ARM_SCOPE] });
    // The fake's userinfo would answer 401 (Graph tokens only): it is not asked with this token.
    expect(server.requestCount('/oidc/userinfo')).toBe(0);

    // status cannot tell whether such a token still works: "?" (valid null), not a failure.
    const s = testWorld({ http: createHttpClient({ maxTries: 1 }), configDir: w.configDir, keyring: w.keyring, env: { OAUTHCLI_ENTRA_CLIENT_ID: server.options.clientId } });
    worlds.push(s);
    expect(await runStatus(s.world, { json: true })).toBe(0);
    expect(JSON.parse(s.stdout())).toMatchObject([{ provider: 'entra', login: USER.login, valid: null }]);
  });

  it('a Graph token that userinfo refuses is dead: whoami exits 4 (not-signed-in), the ID token does not stand in', async () => {
    const w = world();
    await signIn(w.world, playingUi(), request());
    server.revokeToken(server.grants[0]!.access_token);
    await expect(runWhoami(w.world, 'entra', { json: true })).rejects.toMatchObject({ kind: 'not-signed-in' });
  });

  it('two resources in one request: Entra refuses (AADSTS28000) and the error says why and what to do', async () => {
    const w = world();
    await expect(signIn(w.world, playingUi(), request({ flow: 'device', scopes: [...entraScopes(undefined), ARM_SCOPE] }))).rejects.toMatchObject({
      message: expect.stringMatching(/more than one resource \(AADSTS28000\)\. An access token is for one API; sign in once per API/),
    });
  });

  it('without "Allow public client flows", the device flow error names the switch', async () => {
    server.setOptions({ publicClientFlows: false });
    const w = world();
    await expect(signIn(w.world, playingUi(), request({ flow: 'device' }))).rejects.toMatchObject({ message: expect.stringMatching(/Allow public client flows/) });
  });
});

describe('refresh', () => {
  it('replaces the ID token with the validated new one; the rotated refresh token is saved', async () => {
    const w = world();
    const { account } = await signIn(w.world, playingUi(), request());
    const before = (await w.world.secrets('keychain').get(KEY()))!;
    const session = await openSession(w.world, account, { forceRefresh: true });
    const refresh = server.grants.at(-1)!;
    expect(refresh.grant_type).toBe('refresh_token');
    expect(session.tokens).toMatchObject({ accessToken: refresh.access_token, refreshToken: refresh.refresh_token, idToken: refresh.id_token });
    expect(session.tokens.idToken).not.toBe(before.idToken);
    expect((await w.world.secrets('keychain').get(KEY()))!.idToken).toBe(refresh.id_token);
    // Discovery for later requests goes to the account's own tenant, whose issuer is exact.
    expect(server.requests.some((r) => r.path === `/${USER.tid}/v2.0/.well-known/openid-configuration`)).toBe(true);
  });

  it('a refreshed ID token about another user is refused (§12.2): the new refresh token is saved, the account needs a new sign-in', async () => {
    const w = world();
    const { account } = await signIn(w.world, playingUi(), request());
    server.setOptions({ forgeIdToken: 'other-sub' });
    await expect(openSession(w.world, account, { forceRefresh: true })).rejects.toMatchObject({ code: 'invalid_id_token', message: expect.stringMatching(/another user/) });
    const stored = (await w.world.secrets('keychain').get(KEY()))!;
    expect(stored.refreshToken).toBe(server.grants.at(-1)!.refresh_token);
    expect(stored.idToken).toBeUndefined();
    expect(w.world.accounts.get(KEY())!.needsLogin).toBe(true);
  });

  it('an account stored without an ID token (signed in before they were kept): the refreshed one must be about the account\'s subject', async () => {
    const w = world();
    const { account } = await signIn(w.world, playingUi(), request());
    const { idToken: _dropped, ...withoutIdToken } = (await w.world.secrets('keychain').get(KEY()))!;
    await w.world.secrets('keychain').set(KEY(), withoutIdToken);
    const session = await openSession(w.world, account, { forceRefresh: true });
    expect(session.tokens.idToken).toBe(server.grants.at(-1)!.id_token);

    await w.world.secrets('keychain').set(KEY(), withoutIdToken);
    server.setOptions({ forgeIdToken: 'other-sub' });
    await expect(openSession(w.world, account, { forceRefresh: true })).rejects.toMatchObject({ code: 'invalid_id_token' });
  });

  it('refresh --scopes keeps offline_access and the OpenID Connect scopes, which Entra leaves out of the granted list', () => {
    const granted = ['openid', 'profile', 'email', 'https://graph.microsoft.com/User.Read'];
    expect(entraScopes([...granted, 'Mail.Read'])).toEqual(['openid', 'profile', 'email', 'offline_access', 'User.Read', 'https://graph.microsoft.com/User.Read', 'Mail.Read']);
  });

  it('rememberTokens remembers the ID token too', () => {
    const remembered: Array<string | undefined> = [];
    rememberTokens({ rememberSecret: (v) => void remembered.push(v) }, { accessToken: 'a', refreshToken: 'r', idToken: 'i' });
    expect(remembered).toEqual(['a', 'r', 'i']);
  });
});

describe('sign-out', () => {
  it('revoke: exit 1 with one line naming where sessions end; the account stays', async () => {
    const w = world();
    await signIn(w.world, playingUi(), request());
    await expect(runRevoke(w.world, 'entra', {})).rejects.toMatchObject({ message: expect.stringMatching(/no revocation endpoint.*https:\/\/myaccount\.microsoft\.com.*Revoke-MgUserSignInSession.*use oauthcli logout/) });
    expect(w.world.accounts.list()).toHaveLength(1);
  });

  it('logout: forgets locally and says the refresh token stays valid, and where to end sessions', async () => {
    const w = world();
    await signIn(w.world, playingUi(), request());
    expect(await runLogout(w.world, 'entra', {})).toBe(0);
    expect(w.world.accounts.list()).toEqual([]);
    expect(await w.world.secrets('keychain').get(KEY())).toBeUndefined();
    expect(w.stderr()).toMatch(/not revoked: .*no revocation endpoint.*https:\/\/myaccount\.microsoft\.com/);
  });
});
