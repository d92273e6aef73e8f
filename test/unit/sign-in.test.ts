// src/signin in process: what is checked before the user is asked to do anything, which flow runs,
// the fallbacks, and what is stored — with a fake HTTP client and a UI that plays the browser.
import { afterEach, describe, expect, it } from 'vitest';
import type { HttpRequest } from '../../src/http/client.js';
import { github } from '../../src/providers/github.js';
import { gitlab } from '../../src/providers/gitlab.js';
import { google } from '../../src/providers/google.js';
import type { Provider } from '../../src/providers/types.js';
import { signIn, type SignInRequest } from '../../src/signin/sign-in.js';
import type { SignInUi } from '../../src/signin/ui.js';
import { fakeHttpClient, noRequestsHttpClient, type FakeAnswer } from '../support/fake-http-client.js';
import { testWorld, type TestWorld } from '../support/test-world.js';

const worlds: TestWorld[] = [];
afterEach(() => {
  for (const w of worlds.splice(0)) w.cleanup();
});

/** A UI that records what it was asked, and acts as the user's browser: it follows the authorization URL to our listener with a code. */
function playingUi(options: { approve?: boolean } = {}) {
  const notes: string[] = [];
  const shown: string[] = [];
  const ui: SignInUi = {
    note: (line) => void notes.push(line),
    async showDeviceCode(code) {
      shown.push(`device ${code.userCode}`);
      return () => undefined;
    },
    async showAuthorizationUrl(url) {
      shown.push(url);
      if (options.approve !== false) {
        const u = new URL(url);
        const callback = new URL(u.searchParams.get('redirect_uri')!);
        callback.searchParams.set('code', 'the-code');
        callback.searchParams.set('state', u.searchParams.get('state')!);
        setTimeout(() => void fetch(callback).catch(() => undefined), 10);
      }
      return true;
    },
    acceptPastedRedirect: () => () => undefined,
    waiting: () => ({ update() {}, stop() {} }),
  };
  return { ui, notes, shown };
}

function request(provider: Provider, over: Partial<SignInRequest> = {}): SignInRequest {
  return {
    provider,
    host: provider.defaultHost,
    scopes: provider.defaultScopes,
    openBrowser: true,
    storage: 'keychain',
    timeoutMs: 10_000,
    terminal: { platform: 'linux', stdinIsTTY: false, stderrIsTTY: false },
    ...over,
  };
}

/** `answer` null: no request may be made (any request fails the test). */
function world(answer: ((req: HttpRequest & { url: URL }) => FakeAnswer) | null, env: NodeJS.ProcessEnv = {}) {
  const http = answer === null ? noRequestsHttpClient() : fakeHttpClient(answer);
  const w = testWorld({ http, env });
  worlds.push(w);
  return { w, http };
}

describe('checked before anything starts', () => {
  it("Google's device flow without a device client: a usage error naming what Google needs, and no request", async () => {
    const { w, http } = world(null, { OAUTHCLI_GOOGLE_CLIENT_ID: 'desktop', OAUTHCLI_GOOGLE_CLIENT_SECRET: 's' });
    const { ui, shown } = playingUi();
    await expect(signIn(w.world, ui, request(google, { flow: 'device' }))).rejects.toMatchObject({
      kind: 'usage',
      message: expect.stringMatching(/"TVs and Limited Input devices".*OAUTHCLI_GOOGLE_DEVICE_CLIENT_ID and OAUTHCLI_GOOGLE_DEVICE_CLIENT_SECRET/),
    });
    expect(http.requests).toEqual([]);
    expect(shown).toEqual([]);
  });

  it('an issuer that advertises PKCE methods without S256: refused before a browser opens', async () => {
    const issuer = 'https://login.example';
    const { w } = world((req) =>
      req.url.pathname.endsWith('openid-configuration')
        ? { body: { issuer, authorization_endpoint: `${issuer}/auth`, token_endpoint: `${issuer}/token`, code_challenge_methods_supported: ['plain'] } }
        : { status: 500 },
    );
    await w.world.accounts.setProviderSettings('corp', { issuer, clientId: 'c' });
    const { ui, shown } = playingUi();
    const corp = (await import('../../src/providers/oidc.js')).customProvider('corp', { issuer, clientId: 'c' });
    await expect(signIn(w.world, ui, request(corp, { flow: 'web' }))).rejects.toMatchObject({ code: 'pkce_unsupported', message: expect.stringMatching(/does not support PKCE with S256/) });
    expect(shown).toEqual([]);
  });
});

describe('GitHub', () => {
  const token = { access_token: 'gho_x', scope: 'read:user,repo', token_type: 'bearer' };
  const answer = (req: HttpRequest & { url: URL }): FakeAnswer =>
    req.url.pathname === '/login/oauth/access_token' ? { body: token } : req.url.pathname === '/user' ? { body: { login: 'octocat', id: 1 }, headers: { 'x-oauth-scopes': 'read:user, repo' } } : { status: 404, body: {} };

  it('sends space-delimited scopes, and prompt=select_account only when another account of the host is signed in', async () => {
    const { w } = world(answer, { OAUTHCLI_GITHUB_CLIENT_ID: 'cid', OAUTHCLI_GITHUB_CLIENT_SECRET: 's' });
    const first = playingUi();
    await signIn(w.world, first.ui, request(github, { flow: 'web' }));
    const url1 = new URL(first.shown[0]!);
    expect(url1.searchParams.get('scope')).toBe('read:user repo');
    expect(url1.searchParams.has('prompt')).toBe(false);
    const second = playingUi();
    await signIn(w.world, second.ui, request(github, { flow: 'web' }));
    expect(new URL(second.shown[0]!).searchParams.get('prompt')).toBe('select_account');
  });

  it('an unknown client id (a bare 404 from /login/device/code) is explained as such', async () => {
    const { w } = world((req) => (req.url.pathname === '/login/device/code' ? { status: 404, body: 'Not Found' } : { status: 500 }), { OAUTHCLI_GITHUB_CLIENT_ID: 'nope' });
    await expect(signIn(w.world, playingUi().ui, request(github, { flow: 'device' }))).rejects.toMatchObject({ kind: 'failure', message: expect.stringMatching(/does not know the client id 'nope'/) });
  });
});

describe('GitLab without a device flow (before 17.3, or the flag off)', () => {
  const answer = (req: HttpRequest & { url: URL }): FakeAnswer => {
    if (req.url.pathname === '/oauth/authorize_device') return { status: 404, body: '<html>The page could not be found</html>' };
    if (req.url.pathname === '/oauth/token') return { body: { access_token: 'glpat', refresh_token: 'glrt', expires_in: 7200, token_type: 'Bearer' } };
    if (req.url.pathname === '/api/v4/user') return { body: { username: 'jdoe', id: 7 } };
    return { status: 404, body: {} };
  };

  it('chosen automatically (no browser here): says so in one line and signs in with the browser flow instead', async () => {
    const { w, http } = world(answer, { OAUTHCLI_GITLAB_CLIENT_ID: 'app', SSH_CONNECTION: 'x' });
    const { ui, notes } = playingUi();
    const { account } = await signIn(w.world, ui, request(gitlab));
    expect(account.login).toBe('jdoe');
    expect(notes.join('\n')).toMatch(/has no device flow \(it needs GitLab 17\.2 or later.*\); using the browser flow instead/);
    expect(http.requests.map((r) => r.url.pathname)).toEqual(['/oauth/authorize_device', '/oauth/token', '/api/v4/user']);
  });

  it('asked for with --device: one line saying what is missing and to use --web', async () => {
    const { w } = world(answer, { OAUTHCLI_GITLAB_CLIENT_ID: 'app' });
    await expect(signIn(w.world, playingUi().ui, request(gitlab, { flow: 'device' }))).rejects.toMatchObject({ code: 'no_device_flow', message: expect.stringMatching(/no device flow .*: use --web$/) });
  });
});
