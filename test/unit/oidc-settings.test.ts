// The sign-in settings of an added OpenID Connect issuer: how they are checked, what the
// provider makes of them, and `provider add` / `provider set` in process (test world, fake HTTP).
import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { add, set } from '../../src/cli/commands/provider.js';
import { AppError } from '../../src/errors.js';
import { clientAuth } from '../../src/oauth/client-auth.js';
import { startRedirectListener, type RedirectListener } from '../../src/oauth/redirect-listener.js';
import { revokeToken, revokeTokenSet } from '../../src/oauth/revoke.js';
import { customProvider } from '../../src/providers/oidc.js';
import { checkApiBase, checkPrompt, checkRedirectUri, parseParams, redirectUriForPort } from '../../src/providers/oidc-settings.js';
import { fakeHttpClient } from '../support/fake-http-client.js';
import { testWorld, type TestWorld } from '../support/test-world.js';

const ISSUER = 'https://idp.example';
const discovery = (extra: Record<string, unknown> = {}) => ({
  issuer: ISSUER,
  authorization_endpoint: `${ISSUER}/authorize`,
  token_endpoint: `${ISSUER}/token`,
  jwks_uri: `${ISSUER}/jwks`,
  ...extra,
});

const usage = (fn: () => unknown, code: string) => {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).kind).toBe('usage');
    expect((error as AppError).code).toBe(code);
    return (error as AppError).message;
  }
  throw new Error('no usage error');
};

describe('checking the settings', () => {
  it('a fixed redirect URI is plain http on 127.0.0.1 or localhost with a port, kept exactly as written', () => {
    expect(checkRedirectUri('http://127.0.0.1:8400/callback')).toBe('http://127.0.0.1:8400/callback');
    expect(checkRedirectUri('http://localhost:8400/oauth/done')).toBe('http://localhost:8400/oauth/done');
    expect(redirectUriForPort('8400')).toBe('http://127.0.0.1:8400/callback');
    usage(() => checkRedirectUri('https://127.0.0.1:8400/callback'), 'bad_redirect_uri');
    usage(() => checkRedirectUri('http://192.168.1.2:8400/callback'), 'bad_redirect_uri');
    usage(() => checkRedirectUri('http://[::1]:8400/callback'), 'bad_redirect_uri');
    usage(() => checkRedirectUri('http://127.0.0.1/callback'), 'bad_redirect_uri');
    usage(() => checkRedirectUri('http://127.0.0.1:8400/callback?x=1'), 'bad_redirect_uri');
    usage(() => checkRedirectUri('http://user@127.0.0.1:8400/callback'), 'bad_redirect_uri');
    for (const bad of ['0', '65536', 'http', '-1', '80a']) usage(() => redirectUriForPort(bad), 'bad_redirect_uri');
  });

  it('--param takes KEY=VALUE and refuses the parameters oauthcli sets itself', () => {
    expect(parseParams(['audience=https://api.example', 'resource=urn:x', 'organization=org_1=2'])).toEqual({ audience: 'https://api.example', resource: 'urn:x', organization: 'org_1=2' });
    for (const key of ['state', 'code_challenge', 'code_challenge_method', 'redirect_uri', 'client_id', 'nonce', 'response_type', 'scope', 'client_secret']) {
      expect(usage(() => parseParams([`${key}=x`]), 'bad_param')).toMatch(new RegExp(`oauthcli sets '${key}' itself`));
    }
    expect(usage(() => parseParams(['prompt=consent']), 'bad_param')).toMatch(/use --prompt/);
    usage(() => parseParams(['audience']), 'bad_param');
    usage(() => parseParams(['=x']), 'bad_param');
    usage(() => parseParams(['a b=x']), 'bad_param');
  });

  it('--prompt takes OpenID Connect prompt values; --api-base https or loopback http', () => {
    expect(checkPrompt('select_account')).toBe('select_account');
    expect(checkPrompt(' login  consent ')).toBe('login consent');
    usage(() => checkPrompt(''), 'bad_prompt');
    usage(() => checkPrompt('consent&x=1'), 'bad_prompt');
    expect(checkApiBase('https://api.example/v1/')).toBe('https://api.example/v1');
    expect(checkApiBase('http://127.0.0.1:9000')).toBe('http://127.0.0.1:9000');
    usage(() => checkApiBase('http://api.example'), 'bad_api_base');
    usage(() => checkApiBase('https://api.example/?x=1'), 'bad_api_base');
  });
});

describe('the provider the settings make', () => {
  const base = { issuer: ISSUER, clientId: 'cli' };

  it('asks for offline_access only when the issuer lists it; never sends a prompt unless one is set', () => {
    expect(customProvider('corp', { ...base, offlineAccess: false }).defaultScopes).toEqual(['openid', 'profile', 'email']);
    expect(customProvider('corp', { ...base, offlineAccess: true }).defaultScopes).toEqual(['openid', 'profile', 'email', 'offline_access']);
    // A config written before the setting existed keeps what it asked for.
    expect(customProvider('corp', base).defaultScopes).toEqual(['openid', 'profile', 'email', 'offline_access']);
    expect(customProvider('corp', { ...base, offlineAccess: false, scopes: ['openid', 'offline_access'] }).defaultScopes).toEqual(['openid', 'offline_access']);
    const plain = customProvider('corp', { ...base, offlineAccess: true });
    expect(plain.authorizationParams?.({ addingAccount: false, consent: false }) ?? {}).toEqual({});
    expect(plain.redirectUri).toBeUndefined();
    expect(plain.deviceAuthorizationParams).toBeUndefined();
  });

  it('params go to the authorization and device requests, the prompt to the authorization request, the fixed URI to the listener', () => {
    const p = customProvider('auth0', { ...base, params: { audience: 'https://api.example' }, prompt: 'login', redirectUri: 'http://127.0.0.1:8400/callback' });
    expect(p.authorizationParams!({ addingAccount: false, consent: false })).toEqual({ audience: 'https://api.example', prompt: 'login' });
    expect(p.deviceAuthorizationParams).toEqual({ audience: 'https://api.example' });
    expect(p.redirectUri).toBe('http://127.0.0.1:8400/callback');
    expect(p.fixedRedirectHelp!(8400)).toBe('oauthcli provider set auth0 --redirect-port 8400');
  });

  it('a hand-edited config with a protocol parameter is refused when the provider is built', () => {
    expect(() => customProvider('corp', { ...base, params: { state: 'fixed' } })).toThrow(/oauthcli sets 'state' itself/);
    expect(() => customProvider('corp', { ...base, redirectUri: 'http://10.0.0.1:80/cb' })).toThrow(/loopback/);
  });

  it('--api-base becomes the API base, and its origin a token origin besides the issuer', async () => {
    const p = customProvider('corp', { ...base, apiBase: 'https://api.example/v2' });
    const http = fakeHttpClient(() => ({ body: discovery() }));
    const e = await p.endpoints(new URL(ISSUER).host, http);
    expect(e.api).toBe('https://api.example/v2');
    expect(e.apiOrigins).toEqual([ISSUER, 'https://api.example']);
    const plain = await customProvider('corp', base).endpoints(new URL(ISSUER).host, http);
    expect(plain.api).toBe(ISSUER);
    expect(plain.apiOrigins).toEqual([ISSUER]);
  });
});

describe('provider add and provider set, in process', () => {
  let t: TestWorld | undefined;
  afterEach(() => t?.cleanup());
  const world = (scopes?: string[]) => {
    const http = fakeHttpClient(() => ({ body: discovery(scopes ? { scopes_supported: scopes } : {}) }));
    t = testWorld({ http });
    return t;
  };

  it('add stores every setting and what discovery says about offline_access; set changes some and keeps the rest', async () => {
    const { world: w, stderr } = world(['openid', 'profile', 'email']);
    expect(await add(w, 'corp', { issuer: ISSUER, clientId: 'cli', redirectPort: '8400', param: ['audience=https://api.example', 'resource=urn:r'], prompt: 'login', apiBase: 'https://api.example' })).toBe(0);
    expect(w.accounts.customProviders().corp).toEqual({
      issuer: ISSUER,
      clientId: 'cli',
      redirectUri: 'http://127.0.0.1:8400/callback',
      params: { audience: 'https://api.example', resource: 'urn:r' },
      prompt: 'login',
      offlineAccess: false,
      apiBase: 'https://api.example',
    });
    expect(stderr()).toMatch(/✓ Added corp .*\n {2}scopes: openid profile email; redirect URI \(register it exactly\): http:\/\/127\.0\.0\.1:8400\/callback/);

    expect(await set(w, 'corp', { redirectUri: 'http://localhost:9000/cb', param: ['resource=', 'organization=o1'], prompt: '' })).toBe(0);
    expect(w.accounts.customProviders().corp).toEqual({
      issuer: ISSUER,
      clientId: 'cli',
      redirectUri: 'http://localhost:9000/cb',
      params: { audience: 'https://api.example', organization: 'o1' },
      offlineAccess: false,
      apiBase: 'https://api.example',
    });
    expect(await set(w, 'corp', { redirectPort: '', param: ['audience=', 'organization='], apiBase: '' })).toBe(0);
    expect(w.accounts.customProviders().corp).toEqual({ issuer: ISSUER, clientId: 'cli', offlineAccess: false });
  });

  it('offline_access is remembered as known when scopes_supported lists it', async () => {
    const { world: w } = world(['openid', 'offline_access']);
    await add(w, 'kc', { issuer: ISSUER, clientId: 'cli' });
    expect(w.accounts.customProviders().kc!.offlineAccess).toBe(true);
  });

  it('refuses (exit 2, nothing saved): a protocol parameter, both redirect settings, set without a setting, set of an unknown or built-in provider', async () => {
    const { world: w } = world();
    const refused = (p: Promise<unknown>) => expect(p).rejects.toMatchObject({ kind: 'usage' });
    await refused(add(w, 'corp', { issuer: ISSUER, clientId: 'cli', param: ['redirect_uri=http://evil.example/'] }));
    await refused(add(w, 'corp', { issuer: ISSUER, clientId: 'cli', redirectPort: '8400', redirectUri: 'http://127.0.0.1:8400/callback' }));
    expect(w.accounts.customProviders()).toEqual({});
    await refused(set(w, 'corp', { prompt: 'login' }));
    await refused(set(w, 'github', { prompt: 'login' }));
    await add(w, 'corp', { issuer: ISSUER, clientId: 'cli' });
    await refused(set(w, 'corp', {}));
    await refused(set(w, 'corp', { param: ['nonce=1'] }));
  });
});

describe('the fixed loopback redirect URI', () => {
  let l: RedirectListener | undefined;
  afterEach(async () => {
    await l?.close();
    l = undefined;
  });
  const freePort = async () => {
    const s = createServer();
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    const port = (s.address() as { port: number }).port;
    await new Promise((r) => s.close(r));
    return port;
  };

  it('binds 127.0.0.1 on its port, answers on its path only, and keeps its text (localhost included)', async () => {
    const port = await freePort();
    const uri = `http://localhost:${port}/oauth/done`;
    l = await startRedirectListener({ expectedState: 's1', timeoutMs: 10_000, fixedRedirectUri: uri });
    expect(l.redirectUri).toBe(uri);
    expect(l.port).toBe(port);
    expect((await fetch(`http://127.0.0.1:${port}/callback?state=s1&code=c`)).status).toBe(404);
    expect(l.submitRedirectUrl(`http://127.0.0.1:${port}/oauth/done?state=s1&code=c`)).toMatchObject({ accepted: false });
    const ok = await fetch(`http://127.0.0.1:${port}/oauth/done?state=s1&code=the-code`);
    expect(ok.status).toBe(200);
    await expect(l.result).resolves.toEqual({ code: 'the-code' });
  });

  it('a port in use gives one clear error with its own code', async () => {
    const squatter = createServer();
    await new Promise<void>((r) => squatter.listen(0, '127.0.0.1', r));
    const port = (squatter.address() as { port: number }).port;
    try {
      await expect(startRedirectListener({ expectedState: 's', timeoutMs: 1_000, fixedRedirectUri: `http://127.0.0.1:${port}/callback` })).rejects.toMatchObject({
        code: 'redirect_port_busy',
        message: `port ${port} on 127.0.0.1, which the redirect URI http://127.0.0.1:${port}/callback needs, is in use by another program`,
      });
    } finally {
      await new Promise((r) => squatter.close(r));
    }
  });
});

describe('a revocation the server refuses to a public client', () => {
  const refuse = (status: number, body: unknown) => fakeHttpClient(() => ({ status, body }));

  it('401 (glewlwyd) or 400 invalid_client without a secret: revocation_needs_client_auth, never "revoked"', async () => {
    for (const http of [refuse(401, ''), refuse(400, { error: 'invalid_client' })]) {
      await expect(revokeToken(http, { endpoint: `${ISSUER}/revoke`, token: 't', tokenTypeHint: 'access_token', client: clientAuth('public-cli', undefined) })).rejects.toMatchObject({
        code: 'revocation_needs_client_auth',
        message: expect.stringMatching(/^idp\.example revokes tokens only for clients that authenticate, and this client has no secret \(HTTP 40[01]\)$/),
      });
    }
  });

  it('the same answer to a client that sent its secret is a plain failure', async () => {
    await expect(revokeToken(refuse(401, ''), { endpoint: `${ISSUER}/revoke`, token: 't', tokenTypeHint: 'access_token', client: clientAuth('conf', 'secret') })).rejects.toMatchObject({ code: 'revoke_failed' });
  });
});

describe('a server that revokes only refresh tokens (RFC 7009 §2.2.1 unsupported_token_type)', () => {
  const server = () =>
    fakeHttpClient((req) => {
      const hint = (req.form as Record<string, string> | undefined)?.token_type_hint;
      return hint === 'access_token' ? { status: 400, body: { error: 'unsupported_token_type' } } : { status: 200, body: '' };
    });

  it('after the refresh token is revoked, the access token\'s unsupported_token_type is no failure', async () => {
    const http = server();
    await expect(revokeTokenSet(http, { endpoint: `${ISSUER}/revoke`, client: clientAuth('cli', undefined), tokens: { accessToken: 'at', refreshToken: 'rt' } })).resolves.toBeUndefined();
    expect(http.requests.map((r) => r.form?.token_type_hint)).toEqual(['refresh_token', 'access_token']);
  });

  it('an access token alone that it will not revoke is a failure: nothing was revoked', async () => {
    await expect(revokeTokenSet(server(), { endpoint: `${ISSUER}/revoke`, client: clientAuth('cli', undefined), tokens: { accessToken: 'at' } })).rejects.toMatchObject({ code: 'unsupported_token_type' });
  });
});

describe('revoke and logout when the server refuses a public client, in process', () => {
  let t: TestWorld | undefined;
  let first: TestWorld | undefined;
  // The two worlds share one config folder: it goes when the test is over, not before.
  afterEach(() => {
    t?.cleanup();
    first?.cleanup();
  });

  async function signedInWorld(): Promise<{ w: TestWorld; http: ReturnType<typeof fakeHttpClient>; key: string }> {
    const http = fakeHttpClient((req) => {
      if (req.url.pathname.endsWith('/openid-configuration')) return { body: discovery({ revocation_endpoint: `${ISSUER}/revoke` }) };
      // glewlwyd's answer to a revocation without client authentication.
      if (req.url.pathname === '/revoke') return { status: 401, body: '' };
      return { status: 404, body: '' };
    });
    const setup = testWorld({ http });
    await setup.world.accounts.setProviderSettings('glew', { issuer: ISSUER, clientId: 'public-cli', offlineAccess: false });
    // A second "process" of the same user: its registry reads the provider just added.
    t = testWorld({ http, configDir: setup.configDir });
    const key = `glew:idp.example:sub-1`;
    await t.world.secrets('keychain').set(key, { accessToken: 'at-1', refreshToken: 'rt-1', tokenType: 'bearer', scopes: ['openid'], expiresAt: '2099-01-01T00:00:00.000Z' });
    await t.world.accounts.saveActive({ key, provider: 'glew', host: 'idp.example', login: 'alice', id: 'sub-1', scopes: ['openid'], storage: 'keychain', signedInAt: '2026-12-01T00:00:00Z' });
    first = setup;
    return { w: t, http, key };
  }

  it('revoke: exit 1, "nothing was revoked", when the access token expires, the account kept', async () => {
    const { w, key } = await signedInWorld();
    const { run } = await import('../../src/cli/commands/revoke.js');
    await expect(run(w.world, 'glew', {})).rejects.toMatchObject({
      kind: 'failure',
      code: 'revocation_needs_client_auth',
      message:
        'nothing was revoked: idp.example revokes tokens only for clients that authenticate, and this client has no secret (HTTP 401). The account is still stored here; oauthcli logout glew forgets its tokens, and then the access token stays valid until 2099-01-01T00:00:00.000Z, the refresh token until the server ends the session; end the sessions at https://idp.example',
    });
    expect(w.world.accounts.get(key)).toBeDefined();
    expect(w.stderr()).not.toMatch(/Revoked/);
  });

  it('logout: forgets the tokens, exit 0, and says what was not revoked and until when the token works', async () => {
    const { w, key } = await signedInWorld();
    const { run } = await import('../../src/cli/commands/logout.js');
    expect(await run(w.world, 'glew', {})).toBe(0);
    expect(w.world.accounts.get(key)).toBeUndefined();
    expect(await w.world.secrets('keychain').get(key)).toBeUndefined();
    expect(w.stderr()).toContain('! The token was not revoked: idp.example revokes tokens only for clients that authenticate, and this client has no secret (HTTP 401). The tokens are forgotten here; the access token stays valid until 2099-01-01T00:00:00.000Z');
    expect(w.stderr()).not.toMatch(/The token was revoked/);
  });
});
