// `oauthcli token` in process (src/cli/commands/token.ts and src/session/tool-credential.ts
// through the World seam, refreshes answered by a fake HTTP client): --json, --min-valid,
// --id-token and --exec-credential in both API versions kubectl asks for, and the one line (with
// its exit code) each failure gives. A refresh grant's shape is GitHub's (expiring user tokens).
import { afterEach, describe, expect, it } from 'vitest';
import { run } from '../../src/cli/commands/token.js';
import type { AccountMeta } from '../../src/store/accounts.js';
import type { TokenSet } from '../../src/token-set.js';
import { exitCodeOf } from '../support/command-world.js';
import { expectExpiresIn } from '../support/expiry.js';
import { fakeHttpClient, noRequestsHttpClient, type FakeHttpClient } from '../support/fake-http-client.js';
import { testWorld, type TestWorld } from '../support/test-world.js';

const worlds: TestWorld[] = [];
afterEach(() => {
  for (const w of worlds.splice(0)) w.cleanup();
});

const HOST = 'ghe.example.com';
const inMinutes = (m: number) => new Date(Date.now() + m * 60_000).toISOString();

/** An ID token as an issuer signs it; only its `exp` is read here (the signature was checked when it arrived). */
function idToken(expiresInMinutes: number, sub = 'user-1'): string {
  const part = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${part({ alg: 'RS256', kid: 'k1' })}.${part({ iss: 'https://issuer.example', sub, aud: 'cid', iat: Math.floor(Date.now() / 1000), exp: Math.floor(Date.now() / 1000) + expiresInMinutes * 60 })}.c2lnbmF0dXJl`;
}

/** The ISO-8601 time of an ID token's exp claim, as the token says it. */
const expOf = (token: string) => new Date((JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as { exp: number }).exp * 1000).toISOString();

interface Setup {
  tokens: TokenSet;
  account?: Partial<AccountMeta>;
  env?: NodeJS.ProcessEnv;
  /** The refresh grant's answer: a new token set lasting this many seconds. */
  refreshLifetime?: number;
  refreshIdToken?: string;
  /** The test refreshes: the provider's token endpoint answers (and must be asked). Without it no request may be made. */
  refreshes?: boolean;
}

async function setup({ tokens, account = {}, env = {}, refreshLifetime = 28_800, refreshIdToken, refreshes = false }: Setup): Promise<{ t: TestWorld; http: FakeHttpClient }> {
  let n = 0;
  const http = !refreshes ? noRequestsHttpClient() : fakeHttpClient((req) => {
    if (!req.url.pathname.endsWith('/login/oauth/access_token')) return { status: 404, body: { message: 'Not Found' } };
    n += 1;
    return {
      body: {
        access_token: `ghu_refreshed${n}`,
        refresh_token: `ghr_refreshed${n}`,
        expires_in: refreshLifetime,
        refresh_token_expires_in: 15_897_600,
        token_type: 'bearer',
        scope: 'repo',
        ...(refreshIdToken ? { id_token: refreshIdToken } : {}),
      },
    };
  });
  const t = testWorld({ env: { OAUTHCLI_GITHUB_CLIENT_ID: 'cid', ...env }, http });
  worlds.push(t);
  const meta: AccountMeta = { key: `github:${HOST}:octocat`, provider: 'github', host: HOST, login: 'octocat', id: '1', scopes: ['repo'], storage: 'keychain', signedInAt: '2026-12-01T00:00:00Z', ...account };
  await t.world.secrets('keychain').set(meta.key, tokens);
  await t.world.accounts.saveActive(meta);
  return { t, http };
}

const token = (t: TestWorld, opts: Record<string, unknown> = {}, provider?: string): Promise<number> => exitCodeOf(t, () => run(t.world, provider, opts), 'token');

const refreshes = (http: FakeHttpClient) => http.requests.filter((r) => r.form?.grant_type === 'refresh_token');

describe('token --json', () => {
  it('prints the token, its expiry, scopes and account, without a request when it is fresh', async () => {
    const expiresAt = inMinutes(120);
    const { t, http } = await setup({ tokens: { accessToken: 'ghu_fresh', refreshToken: 'ghr_1', expiresAt, tokenType: 'bearer', scopes: ['repo', 'read:org'] } });
    expect(await token(t, { json: true })).toBe(0);
    expect(JSON.parse(t.stdout())).toEqual({ token: 'ghu_fresh', expiresAt, scopes: ['repo', 'read:org'], provider: 'github', host: HOST, login: 'octocat' });
    expect(t.stdout().endsWith('}\n')).toBe(true);
    expect(t.stderr()).toBe('');
    expect(http.requests).toEqual([]);
  });

  it('expiresAt is null for a token that does not expire', async () => {
    const { t } = await setup({ tokens: { accessToken: 'gho_classic', tokenType: 'bearer', scopes: ['repo'] } });
    expect(await token(t, { json: true })).toBe(0);
    expect(JSON.parse(t.stdout())).toMatchObject({ token: 'gho_classic', expiresAt: null });
  });

  it('--json with --exec-credential is a usage error (exit 2), nothing printed on stdout', async () => {
    const { t } = await setup({ tokens: { accessToken: 'gho_classic', tokenType: 'bearer', scopes: [] } });
    expect(await token(t, { json: true, execCredential: true })).toBe(2);
    expect(t.stdout()).toBe('');
    expect(t.stderr().trim().split('\n')).toHaveLength(1);
  });
});

describe('token --min-valid', () => {
  it('refreshes a token that expires sooner than asked (30 min left, 1h asked), and prints the new one', async () => {
    const { t, http } = await setup({ refreshes: true, tokens: { accessToken: 'ghu_old', refreshToken: 'ghr_old', expiresAt: inMinutes(30), tokenType: 'bearer', scopes: ['repo'] } });
    const before = Date.now();
    expect(await token(t, { minValid: '1h', json: true })).toBe(0);
    const printed = JSON.parse(t.stdout()) as { token: string; expiresAt: string };
    expect(printed.token).toBe('ghu_refreshed1');
    expectExpiresIn(printed.expiresAt, 28_800, before);
    expect(refreshes(http)).toHaveLength(1);
    expect(refreshes(http)[0]!.form).toMatchObject({ refresh_token: 'ghr_old' });
    expect((await t.world.secrets('keychain').get(`github:${HOST}:octocat`))!.accessToken).toBe('ghu_refreshed1');
  });

  it('leaves a token alone that lasts long enough (2 h left, 10m asked)', async () => {
    const { t, http } = await setup({ tokens: { accessToken: 'ghu_fresh', refreshToken: 'ghr_1', expiresAt: inMinutes(120), tokenType: 'bearer', scopes: ['repo'] } });
    expect(await token(t, { minValid: '10m' })).toBe(0);
    expect(t.stdout()).toBe('ghu_fresh\n');
    expect(http.requests).toEqual([]);
  });

  it('still refreshes within the usual 5 minutes when less is asked', async () => {
    const { t, http } = await setup({ refreshes: true, tokens: { accessToken: 'ghu_old', refreshToken: 'ghr_old', expiresAt: inMinutes(2), tokenType: 'bearer', scopes: ['repo'] } });
    expect(await token(t, { minValid: '30s' })).toBe(0);
    expect(t.stdout()).toBe('ghu_refreshed1\n');
    expect(refreshes(http)).toHaveLength(1);
  });

  it('says so (exit 1) when even a fresh token lasts less than asked: 8 h tokens, 10 h asked', async () => {
    const { t, http } = await setup({ refreshes: true, tokens: { accessToken: 'ghu_old', refreshToken: 'ghr_old', expiresAt: inMinutes(60), tokenType: 'bearer', scopes: ['repo'] } });
    // parseDuration's ceiling is a day; 10 h is within it.
    expect(await token(t, { minValid: '10h' })).toBe(1);
    expect(refreshes(http)).toHaveLength(1);
    expect(t.stdout()).toBe('');
    expect(t.stderr()).toMatch(/^oauthcli: the token for octocat on ghe\.example\.com expires in 8 h, sooner than the 10 h asked for: GitHub's tokens do not last that long\n$/);
    expect(t.stderr()).not.toContain('ghu_refreshed1');
  });

  it('a token that cannot be refreshed and ends too soon: sign in again (exit 4)', async () => {
    const { t, http } = await setup({ tokens: { accessToken: 'ghu_short', expiresAt: inMinutes(20), tokenType: 'bearer', scopes: ['repo'] } });
    expect(await token(t, { minValid: '1h' })).toBe(4);
    expect(http.requests).toEqual([]);
    expect(t.stderr()).toMatch(/expires in 20 min and cannot be refreshed\. Run: oauthcli login github --hostname ghe\.example\.com\n$/);
  });

  it('refuses a duration it cannot read (exit 2), printing no token', async () => {
    const { t } = await setup({ tokens: { accessToken: 'gho_x', tokenType: 'bearer', scopes: [] } });
    expect(await token(t, { minValid: 'soon' })).toBe(2);
    expect(t.stdout()).toBe('');
    expect(t.stderr()).toMatch(/^oauthcli: --min-valid takes a duration such as 10m, 90s or 1h \(at most 24h\), not "soon"\. Run 'oauthcli token --help' for usage\.\n$/);
  });
});

describe('token --id-token', () => {
  it('prints the stored ID token, and with --json its own expiry (the exp claim)', async () => {
    const id = idToken(50);
    const { t, http } = await setup({ tokens: { accessToken: 'ghu_fresh', refreshToken: 'ghr_1', expiresAt: inMinutes(120), idToken: id, tokenType: 'bearer', scopes: ['openid'] } });
    expect(await token(t, { idToken: true })).toBe(0);
    expect(t.stdout()).toBe(`${id}\n`);
    expect(await token(t, { idToken: true, json: true })).toBe(0);
    const printed = JSON.parse(t.stdout().split('\n')[1]!) as { token: string; expiresAt: string };
    expect(printed.token).toBe(id);
    expect(printed.expiresAt).toBe(expOf(id));
    expect(http.requests).toEqual([]);
  });

  it('an ID token about to end is refreshed even while the access token lasts', async () => {
    const fresh = idToken(60, 'after');
    const { t, http } = await setup({ refreshes: true,
      tokens: { accessToken: 'ghu_fresh', refreshToken: 'ghr_1', expiresAt: inMinutes(120), idToken: idToken(1), tokenType: 'bearer', scopes: ['openid'] },
      refreshIdToken: fresh,
    });
    expect(await token(t, { idToken: true })).toBe(0);
    expect(refreshes(http)).toHaveLength(1);
    expect(t.stdout()).toBe(`${fresh}\n`);
    expect((await t.world.secrets('keychain').get(`github:${HOST}:octocat`))!.idToken).toBe(fresh);
    // Remembered for redaction like every token the process reads.
    expect(t.world.redact(`x ${fresh} y`)).not.toContain(fresh);
  });

  it('without a stored ID token: one line saying so and how to get one, exit 1', async () => {
    const { t } = await setup({ tokens: { accessToken: 'ghu_fresh', tokenType: 'bearer', scopes: ['repo'] } });
    expect(await token(t, { idToken: true })).toBe(1);
    expect(t.stdout()).toBe('');
    expect(t.stderr()).toBe('oauthcli: GitHub gives no ID token (it is not an OpenID Connect provider)\n');
  });
});

describe('token --exec-credential', () => {
  const info = (apiVersion: string) => JSON.stringify({ kind: 'ExecCredential', apiVersion, spec: { interactive: false } });

  it.each(['client.authentication.k8s.io/v1', 'client.authentication.k8s.io/v1beta1'])('answers in the version kubectl asks for (%s), with the expiry in RFC 3339', async (apiVersion) => {
    const expiresAt = '2099-01-02T03:04:05.678Z';
    const { t } = await setup({ tokens: { accessToken: 'ghu_fresh', refreshToken: 'ghr_1', expiresAt, tokenType: 'bearer', scopes: ['repo'] }, env: { KUBERNETES_EXEC_INFO: info(apiVersion) } });
    expect(await token(t, { execCredential: true })).toBe(0);
    expect(JSON.parse(t.stdout())).toEqual({ apiVersion, kind: 'ExecCredential', status: { token: 'ghu_fresh', expirationTimestamp: '2099-01-02T03:04:05Z' } });
    expect(t.stderr()).toBe('');
  });

  it('without KUBERNETES_EXEC_INFO: v1beta1 (what setup-kubectl writes); no expirationTimestamp for a token that does not expire', async () => {
    const { t } = await setup({ tokens: { accessToken: 'gho_classic', tokenType: 'bearer', scopes: ['repo'] } });
    expect(await token(t, { execCredential: true })).toBe(0);
    expect(JSON.parse(t.stdout())).toEqual({ apiVersion: 'client.authentication.k8s.io/v1beta1', kind: 'ExecCredential', status: { token: 'gho_classic' } });
  });

  it('refreshes an expired token first, and wraps the ID token with --id-token', async () => {
    const id = idToken(55);
    const { t, http } = await setup({ refreshes: true,
      tokens: { accessToken: 'ghu_old', refreshToken: 'ghr_old', expiresAt: inMinutes(-10), tokenType: 'bearer', scopes: ['openid'] },
      refreshIdToken: id,
      env: { KUBERNETES_EXEC_INFO: info('client.authentication.k8s.io/v1') },
    });
    expect(await token(t, { execCredential: true, idToken: true })).toBe(0);
    expect(refreshes(http)).toHaveLength(1);
    const out = JSON.parse(t.stdout()) as { status: { token: string; expirationTimestamp: string } };
    expect(out.status.token).toBe(id);
    expect(out.status.expirationTimestamp).toBe(expOf(id).replace(/\.\d+Z$/, 'Z'));
  });

  it('not signed in: one line on stderr saying what to run, exit 4, nothing on stdout', async () => {
    const { t } = await setup({ tokens: { accessToken: 'gho_x', tokenType: 'bearer', scopes: [] }, env: { KUBERNETES_EXEC_INFO: info('client.authentication.k8s.io/v1') } });
    expect(await token(t, { execCredential: true }, 'gitlab')).toBe(4);
    expect(t.stdout()).toBe('');
    expect(t.stderr()).toBe('oauthcli: not signed in to GitLab. Run: oauthcli login gitlab\n');
  });

  it('a sign-in the provider refused: exit 4 with the login command, and no sign-in is started', async () => {
    const { t, http } = await setup({ tokens: { accessToken: 'ghu_old', refreshToken: 'ghr_old', expiresAt: inMinutes(-10), tokenType: 'bearer', scopes: [] }, account: { needsLogin: true } });
    expect(await token(t, { execCredential: true })).toBe(4);
    expect(http.requests).toEqual([]);
    expect(t.stderr()).toMatch(/^oauthcli: the sign-in to ghe\.example\.com as octocat has expired\. Run: oauthcli login github --hostname ghe\.example\.com\n$/);
  });

  it('an API version it does not speak (v1alpha1) or a KUBERNETES_EXEC_INFO that is not JSON: exit 1, one line', async () => {
    for (const value of [info('client.authentication.k8s.io/v1alpha1'), '{not json']) {
      const { t } = await setup({ tokens: { accessToken: 'gho_x', tokenType: 'bearer', scopes: [] }, env: { KUBERNETES_EXEC_INFO: value } });
      expect(await token(t, { execCredential: true })).toBe(1);
      expect(t.stdout()).toBe('');
      expect(t.stderr().trim().split('\n')).toHaveLength(1);
    }
  });
});
