// docker's credential-helper protocol in process (src/docker/credential-helper.ts through the
// World seam): which registry gets which account's token and username, what `store`, `erase`,
// `list` and `version` do, and the exact messages docker-credential-helpers defines
// (credentials/credentials.go, credentials/error.go in github.com/docker/docker-credential-helpers).
import { afterEach, describe, expect, it } from 'vitest';
import { handleAction, type HelperOutcome } from '../../src/docker/credential-helper.js';
import { registryHost } from '../../src/docker/registries.js';
import type { AccountMeta } from '../../src/store/accounts.js';
import type { TokenSet } from '../../src/token-set.js';
import { fakeHttpClient, noRequestsHttpClient, type FakeHttpClient } from '../support/fake-http-client.js';
import { testWorld, type TestWorld } from '../support/test-world.js';

const worlds: TestWorld[] = [];
afterEach(() => {
  for (const w of worlds.splice(0)) w.cleanup();
});

const inMinutes = (m: number) => new Date(Date.now() + m * 60_000).toISOString();

/** `refreshes`: the test refreshes, so the token endpoint answers (and must be asked); otherwise no request may be made. */
function make({ refreshes = false } = {}): { t: TestWorld; http: FakeHttpClient } {
  const http = !refreshes ? noRequestsHttpClient() : fakeHttpClient((req) =>
    req.url.pathname.endsWith('/access_token')
      ? { body: { access_token: 'ghu_refreshed', refresh_token: 'ghr_refreshed', expires_in: 28_800, token_type: 'bearer', scope: 'read:packages' } }
      : { status: 404, body: {} },
  );
  const t = testWorld({ env: { OAUTHCLI_GITHUB_CLIENT_ID: 'cid' }, http });
  worlds.push(t);
  return { t, http };
}

async function account(t: TestWorld, meta: Partial<AccountMeta> & Pick<AccountMeta, 'provider' | 'host' | 'login' | 'scopes'>, tokens: Partial<TokenSet> = {}): Promise<AccountMeta> {
  const full: AccountMeta = { key: `${meta.provider}:${meta.host}:${meta.login}`, id: '1', storage: 'keychain', signedInAt: '2026-12-01T00:00:00Z', ...meta };
  await t.world.secrets('keychain').set(full.key, { accessToken: `tok-${meta.login}`, tokenType: 'bearer', scopes: meta.scopes, ...tokens });
  await t.world.accounts.saveActive(full);
  return full;
}

function helper(t: TestWorld, args: string[], input = ''): Promise<HelperOutcome> {
  let read = false;
  return handleAction(t.world, args, async () => {
    read = true;
    return input;
  }, '1.2.3').then((outcome) => Object.assign(outcome, { read }));
}

describe('get', () => {
  it('ghcr.io: the github.com account holding read:packages, its login as the username (docker.pkg.github.com too)', async () => {
    const { t, http } = make();
    await account(t, { provider: 'github', host: 'github.com', login: 'octocat', scopes: ['repo', 'read:packages'] });
    for (const url of ['ghcr.io', 'https://ghcr.io', 'https://GHCR.io/v2/', 'docker.pkg.github.com\n']) {
      const out = await helper(t, ['get'], url);
      expect(out.exitCode).toBe(0);
      expect(JSON.parse(out.stdout)).toEqual({ ServerURL: url.trim(), Username: 'octocat', Secret: 'tok-octocat' });
      expect(out.stdout.endsWith('}\n')).toBe(true);
    }
    expect(http.requests).toEqual([]);
  });

  it('a GitHub account without a packages scope, another host, or no account: "credentials not found in native keychain", exit 1', async () => {
    const { t } = make();
    await account(t, { provider: 'github', host: 'github.com', login: 'octocat', scopes: ['repo'] });
    await account(t, { provider: 'github', host: 'ghe.example.com', login: 'hubot', scopes: ['read:packages'] });
    for (const url of ['ghcr.io', 'https://index.docker.io/v1/', 'registry.gitlab.com', 'quay.io']) {
      expect(await helper(t, ['get'], url)).toMatchObject({ stdout: 'credentials not found in native keychain\n', exitCode: 1 });
    }
  });

  it('registry.gitlab.com: the gitlab.com account holding read_registry, with the username oauth2', async () => {
    const { t } = make();
    await account(t, { provider: 'gitlab', host: 'gitlab.com', login: 'tanuki', scopes: ['read_user', 'read_registry'] });
    const out = await helper(t, ['get'], 'registry.gitlab.com');
    expect(JSON.parse(out.stdout)).toEqual({ ServerURL: 'registry.gitlab.com', Username: 'oauth2', Secret: 'tok-tanuki' });
  });

  it('a registry mapped to a provider and host answers with that account, under the username given', async () => {
    const { t } = make();
    await account(t, { provider: 'gitlab', host: 'gitlab.corp.example', login: 'tanuki', scopes: ['api'] });
    await t.world.accounts.setDockerRegistry('registry.corp.example:5050', { provider: 'gitlab', host: 'gitlab.corp.example' });
    expect(JSON.parse((await helper(t, ['get'], 'https://registry.corp.example:5050')).stdout)).toMatchObject({ Username: 'oauth2', Secret: 'tok-tanuki' });
    await t.world.accounts.setDockerRegistry('registry.corp.example:5050', { provider: 'gitlab', host: 'gitlab.corp.example', username: 'robot' });
    expect(JSON.parse((await helper(t, ['get'], 'registry.corp.example:5050')).stdout)).toMatchObject({ Username: 'robot' });
  });

  it('refreshes a token about to expire first, and saves the new one', async () => {
    const { t, http } = make({ refreshes: true });
    const a = await account(t, { provider: 'github', host: 'github.com', login: 'octocat', scopes: ['read:packages'] }, { refreshToken: 'ghr_old', expiresAt: inMinutes(1) });
    const out = await helper(t, ['get'], 'ghcr.io');
    expect(JSON.parse(out.stdout)).toMatchObject({ Secret: 'ghu_refreshed' });
    expect(http.requests.map((r) => r.form?.grant_type)).toEqual(['refresh_token']);
    expect((await t.world.secrets('keychain').get(a.key))!.accessToken).toBe('ghu_refreshed');
  });

  it('a sign-in the provider refused: an error on stdout saying what to run (docker shows it), exit 1, no request', async () => {
    const { t, http } = make();
    await account(t, { provider: 'github', host: 'github.com', login: 'octocat', scopes: ['read:packages'], needsLogin: true });
    await expect(helper(t, ['get'], 'ghcr.io')).rejects.toMatchObject({ kind: 'not-signed-in', message: expect.stringMatching(/has expired\. Run: oauthcli login github$/) });
    expect(http.requests).toEqual([]);
  });

  it('an empty server URL: "no credentials server URL", exit 1', async () => {
    const { t } = make();
    expect(await helper(t, ['get'], ' \n')).toMatchObject({ stdout: 'no credentials server URL\n', exitCode: 1 });
  });
});

describe('store, erase, list, version, and the usage errors', () => {
  it('store and erase read their input and change nothing: no token written, no account forgotten', async () => {
    const { t } = make();
    const a = await account(t, { provider: 'github', host: 'github.com', login: 'octocat', scopes: ['read:packages'] });
    const writes = t.keyring.writes;
    const config = JSON.stringify(t.world.accounts.list());
    expect(await helper(t, ['store'], JSON.stringify({ ServerURL: 'ghcr.io', Username: 'octocat', Secret: 'ghp_fromDockerLogin' }))).toMatchObject({ stdout: '', exitCode: 0, read: true });
    expect(await helper(t, ['erase'], 'ghcr.io\n')).toMatchObject({ stdout: '', exitCode: 0, read: true });
    expect(t.keyring.writes).toBe(writes);
    expect(JSON.stringify(t.world.accounts.list())).toBe(config);
    expect((await t.world.secrets('keychain').get(a.key))!.accessToken).toBe('tok-octocat');
    expect(await helper(t, ['erase'], '')).toMatchObject({ stdout: 'no credentials server URL\n', exitCode: 1 });
  });

  it('list: {ServerURL: Username} of every registry it answers now', async () => {
    const { t } = make();
    expect(await helper(t, ['list'])).toMatchObject({ stdout: '{}\n', exitCode: 0, read: false });
    await account(t, { provider: 'github', host: 'github.com', login: 'octocat', scopes: ['write:packages'] });
    await account(t, { provider: 'gitlab', host: 'gitlab.corp.example', login: 'tanuki', scopes: ['api'] });
    await t.world.accounts.setDockerRegistry('registry.corp.example', { provider: 'gitlab', host: 'gitlab.corp.example' });
    await t.world.accounts.setDockerRegistry('nobody.example', { provider: 'google' });
    expect(JSON.parse((await helper(t, ['list'])).stdout)).toEqual({ 'ghcr.io': 'octocat', 'docker.pkg.github.com': 'octocat', 'registry.corp.example': 'oauth2' });
  });

  it('version, an unknown action, and no action or several: the library\'s words', async () => {
    const { t } = make();
    expect(await helper(t, ['version'])).toMatchObject({ stdout: 'docker-credential-oauthcli (oauthcli) 1.2.3\n', exitCode: 0 });
    expect(await helper(t, ['fetch'])).toMatchObject({ stdout: 'Unknown credential action `fetch`\n', exitCode: 1 });
    for (const args of [[], ['get', 'ghcr.io']]) expect(await helper(t, args)).toMatchObject({ stdout: 'Usage: docker-credential-oauthcli <store|get|erase|list|version>\n', exitCode: 1, read: false });
  });
});

describe('registryHost', () => {
  it.each([
    ['ghcr.io', 'ghcr.io'],
    ['https://ghcr.io/v2/', 'ghcr.io'],
    ['HTTPS://Registry.Example.com:5000/path', 'registry.example.com:5000'],
    ['registry.example.com:5000', 'registry.example.com:5000'],
    ['', undefined],
    ['http://[bad', undefined],
  ])('%j → %j', (input, host) => {
    expect(registryHost(input)).toBe(host);
  });
});
