// The client a sign-in used is remembered with the account (issue 22): its id in the config,
// its secret with the tokens in the secret store. Refresh and revoke then work once the
// environment variables the sign-in was given are gone, and always with the client that issued
// the tokens. In process, against the fake GitHub over real HTTP.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSession } from '../../src/session/open-session.js';
import { revokeAtProvider } from '../../src/session/revoke.js';
import { signIn } from '../../src/signin/sign-in.js';
import type { SignInUi } from '../../src/signin/ui.js';
import { github } from '../../src/providers/github.js';
import { startFakeGitHub, type FakeGitHub } from '../support/github-server.js';
import { MemoryKeyring, testWorld, type TestWorld } from '../support/test-world.js';

const SECRET = 'test-client-secret';
const ui: SignInUi = {
  note: () => undefined,
  showDeviceCode: async () => () => undefined,
  showAuthorizationUrl: async () => false,
  acceptPastedRedirect: () => () => undefined,
  waiting: () => ({ update() {}, stop() {} }),
};

let server: FakeGitHub;
const worlds: TestWorld[] = [];
beforeEach(async () => {
  // Refreshing these device-flow tokens needs the client secret, as web-flow ones do at GitHub.
  server = await startFakeGitHub({ tokenLifetime: 28800, requireClientSecretForRefresh: true, device: { pendingPolls: 0 } });
});
afterEach(async () => {
  for (const w of worlds.splice(0)) w.cleanup();
  await server.close();
});

/** One "process" of the same user: the same config folder and keychain, its own environment. */
function processWith(env: NodeJS.ProcessEnv, shared?: { configDir: string; keyring: MemoryKeyring }): TestWorld {
  const w = testWorld({ env, ...(shared ?? {}) });
  worlds.push(w);
  return w;
}

async function signInWithEnv(): Promise<TestWorld> {
  const w = processWith({ OAUTHCLI_GITHUB_CLIENT_ID: 'test-client-id', OAUTHCLI_GITHUB_CLIENT_SECRET: SECRET });
  await signIn(w.world, ui, {
    provider: github,
    host: server.host,
    flow: 'device',
    scopes: ['repo'],
    openBrowser: false,
    storage: 'keychain',
    timeoutMs: 10_000,
    terminal: { platform: 'linux', stdinIsTTY: false, stderrIsTTY: false },
  });
  return w;
}

/** Makes the stored access token look expired, as it will be eight hours later. */
async function expireStoredToken(w: TestWorld, key: string): Promise<void> {
  const store = w.world.secrets('keychain');
  const tokens = (await store.get(key))!;
  await store.set(key, { ...tokens, expiresAt: new Date(Date.now() - 60_000).toISOString() });
}

describe('a sign-in made with OAUTHCLI_GITHUB_CLIENT_ID/_SECRET', () => {
  it('keeps the client id in the config and the secret only in the keychain', async () => {
    const w = await signInWithEnv();
    const key = `github:${server.host}:octocat`;
    expect(w.world.accounts.get(key)?.clientId).toBe('test-client-id');
    expect((await w.world.secrets('keychain').get(key))?.clientSecret).toBe(SECRET);
    expect(readFileSync(join(w.configDir, 'config.json'), 'utf8')).not.toContain(SECRET);
  });

  it('refreshes later with no environment variable, with the remembered client and secret, and keeps the secret with the new tokens', async () => {
    const first = await signInWithEnv();
    const key = `github:${server.host}:octocat`;
    await expireStoredToken(first, key);
    const later = processWith({}, { configDir: first.configDir, keyring: first.keyring });
    const session = await openSession(later.world, later.world.accounts.get(key)!);
    expect(server.isTokenValid(session.tokens.accessToken)).toBe(true);
    const refresh = server.requests.filter((r) => r.path === '/login/oauth/access_token' && r.body.grant_type === 'refresh_token');
    expect(refresh).toHaveLength(1);
    expect(refresh[0]!.body).toMatchObject({ client_id: 'test-client-id', client_secret: SECRET });
    expect((await later.world.secrets('keychain').get(key))?.clientSecret).toBe(SECRET);
  });

  it('a different client id set later does not take over: the tokens refresh with the client that issued them', async () => {
    const first = await signInWithEnv();
    const key = `github:${server.host}:octocat`;
    await expireStoredToken(first, key);
    const later = processWith({ OAUTHCLI_GITHUB_CLIENT_ID: 'another-app', OAUTHCLI_GITHUB_CLIENT_SECRET: 'another-secret' }, { configDir: first.configDir, keyring: first.keyring });
    await openSession(later.world, later.world.accounts.get(key)!);
    const refresh = server.requests.filter((r) => r.body.grant_type === 'refresh_token');
    expect(refresh.map((r) => [r.body.client_id, r.body.client_secret])).toEqual([['test-client-id', SECRET]]);
  });

  it('the same client id set later with a new secret: the new secret is used', async () => {
    const first = await signInWithEnv();
    const key = `github:${server.host}:octocat`;
    await expireStoredToken(first, key);
    server.setOptions({ clientSecret: 'rotated-secret' });
    const later = processWith({ OAUTHCLI_GITHUB_CLIENT_ID: 'test-client-id', OAUTHCLI_GITHUB_CLIENT_SECRET: 'rotated-secret' }, { configDir: first.configDir, keyring: first.keyring });
    const session = await openSession(later.world, later.world.accounts.get(key)!);
    expect(server.isTokenValid(session.tokens.accessToken)).toBe(true);
  });

  it('revokes later with no environment variable', async () => {
    const first = await signInWithEnv();
    const key = `github:${server.host}:octocat`;
    const later = processWith({}, { configDir: first.configDir, keyring: first.keyring });
    const session = await openSession(later.world, later.world.accounts.get(key)!);
    await revokeAtProvider(later.world, session);
    expect(server.isTokenValid(session.tokens.accessToken)).toBe(false);
  });
});
