// The git credential helper in process: the protocol as git ≥ 2.46 speaks it (capability[],
// wwwauth[], authtype, state[]), which host gets which token, and `setup-git` against a real
// git with a throw-away global config (GIT_CONFIG_GLOBAL).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { answerGet } from '../../src/git/credential.js';
import { formatCredentialAnswer, parseCredentialRequest } from '../../src/git/credential-protocol.js';
import { helperCommand, helperKey, removeGitSetup, setUpGit, systemGit } from '../../src/git/setup.js';
import type { AccountMeta } from '../../src/store/accounts.js';
import { expectExpiresIn } from '../support/expiry.js';
import { fakeHttpClient } from '../support/fake-http-client.js';
import { testWorld, type TestWorld } from '../support/test-world.js';

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

/** What git 2.46+ writes to a helper's stdin for `git fetch https://github.com/octo/repo.git`. */
const GIT_246_GET = [
  'capability[]=authtype',
  'capability[]=state',
  'protocol=https',
  'host=github.com',
  'wwwauth[]=Basic realm="GitHub"',
  '',
  '',
].join('\n');

describe('the protocol', () => {
  it("reads git 2.46's capability[] and wwwauth[] lists, an empty []= clears one, unknown keys are kept aside", () => {
    const req = parseCredentialRequest(`${GIT_246_GET.trim()}\nauthtype=Bearer\ncredential=abc\nstate[]=x:1\nwwwauth[]=\nwwwauth[]=Bearer\n\npassword=after-the-blank-line\n`);
    expect(req).toMatchObject({ protocol: 'https', host: 'github.com', capabilities: ['authtype', 'state'], wwwauth: ['Bearer'] });
    expect(req.other).toMatchObject({ authtype: 'Bearer', credential: 'abc', 'state[]': 'x:1' });
    expect(req.password).toBeUndefined();
  });

  it('reads url= as its parts', () => {
    expect(parseCredentialRequest('url=https://octo@ghe.example.com:8443/org/repo.git\n')).toMatchObject({ protocol: 'https', host: 'ghe.example.com:8443', path: 'org/repo.git', username: 'octo' });
  });

  it('answers username, password and password_expiry_utc only: no authtype, credential or capability lines', () => {
    const out = formatCredentialAnswer({ username: 'octocat', password: 'ghu_x', passwordExpiryUtc: 1_800_000_000.7 });
    expect(out).toBe('username=octocat\npassword=ghu_x\npassword_expiry_utc=1800000000\n');
    expect(() => formatCredentialAnswer({ username: 'a\nb', password: 'x' })).toThrow();
  });
});

function world(options: Parameters<typeof testWorld>[0] = {}): TestWorld {
  const w = testWorld({ env: { OAUTHCLI_GITHUB_CLIENT_ID: 'cid', ...options.env }, ...options });
  cleanups.push(() => w.cleanup());
  return w;
}

async function store(w: TestWorld, host: string, login: string, accessToken: string, extra: Partial<AccountMeta> & { expiresAt?: string; refreshToken?: string } = {}): Promise<void> {
  const { expiresAt, refreshToken, ...meta } = extra;
  const key = `github:${host}:${login}`;
  await w.world.secrets('keychain').set(key, { accessToken, tokenType: 'bearer', scopes: [], ...(expiresAt ? { expiresAt } : {}), ...(refreshToken ? { refreshToken } : {}) });
  await w.world.accounts.saveActive({ key, provider: 'github', host, login, id: login, scopes: [], storage: 'keychain', signedInAt: '', ...meta });
}

describe('which host gets which token', () => {
  it('the account of the host git asks about, for git 2.46 input; gist.github.com is github.com', async () => {
    const w = world();
    await store(w, 'github.com', 'octocat', 'gho_github');
    await store(w, 'ghe.example.com', 'corp-octo', 'gho_ghe');
    expect(await answerGet(w.world, parseCredentialRequest(GIT_246_GET))).toEqual({ answer: { username: 'octocat', password: 'gho_github' } });
    expect((await answerGet(w.world, parseCredentialRequest('protocol=https\nhost=gist.github.com\n'))).answer?.password).toBe('gho_github');
    expect((await answerGet(w.world, parseCredentialRequest('protocol=https\nhost=ghe.example.com\n'))).answer?.password).toBe('gho_ghe');
  });

  it('nothing for a host without an account, for plain http across a network, or for a username of someone else', async () => {
    const w = world();
    await store(w, 'github.com', 'octocat', 'gho_github');
    await store(w, '127.0.0.1:8080', 'octocat', 'gho_local');
    expect(await answerGet(w.world, parseCredentialRequest('protocol=https\nhost=gitlab.com\n'))).toEqual({});
    expect(await answerGet(w.world, parseCredentialRequest('protocol=http\nhost=github.com\n'))).toEqual({});
    expect(await answerGet(w.world, parseCredentialRequest('protocol=https\nhost=github.com\nusername=hubot\n'))).toEqual({});
    expect((await answerGet(w.world, parseCredentialRequest('protocol=http\nhost=127.0.0.1:8080\n'))).answer?.password).toBe('gho_local');
  });

  it('a token about to expire is refreshed first (once), and its expiry goes to git', async () => {
    const http = fakeHttpClient(() => ({ body: { access_token: 'ghu_new', refresh_token: 'ghr_new', expires_in: 28800, token_type: 'bearer' } }));
    const w = world({ http });
    await store(w, 'github.com', 'octocat', 'ghu_old', { refreshToken: 'ghr_old', expiresAt: new Date(Date.now() + 60_000).toISOString() });
    const before = Date.now();
    const got = await answerGet(w.world, parseCredentialRequest(GIT_246_GET));
    expect(got.answer).toMatchObject({ username: 'octocat', password: 'ghu_new' });
    const { expiresAt } = (await w.world.secrets('keychain').get('github:github.com:octocat'))!;
    expectExpiresIn(expiresAt, 28_800, before);
    expect(got.answer!.passwordExpiryUtc).toBe(Math.floor(Date.parse(expiresAt!) / 1000));
    expect(http.requests).toHaveLength(1);
  });

  it('a sign-in the provider refused gives git nothing and the user one line saying to log in again', async () => {
    const w = world();
    await store(w, 'github.com', 'octocat', 'gho_x', { needsLogin: true });
    const got = await answerGet(w.world, parseCredentialRequest(GIT_246_GET));
    expect(got.answer).toBeUndefined();
    expect(got.note).toMatch(/expired\. Run: oauthcli login github$/);
  });

  it('OAUTHCLI_GITHUB_TOKEN answers for its host, with no keychain at all', async () => {
    const w = world({ env: { OAUTHCLI_GITHUB_TOKEN: 'gho_ci' } });
    const noKeychain = { ...w.world, secrets: () => { throw new Error('no keychain'); } };
    expect(await answerGet(noKeychain, parseCredentialRequest(GIT_246_GET))).toEqual({ answer: { username: 'x-access-token', password: 'gho_ci' } });
    expect(await answerGet(noKeychain, parseCredentialRequest('protocol=https\nhost=ghe.example.com\n'))).toEqual({});
  });
});

describe('setup-git with a real git', () => {
  const git = () => {
    const dir = mkdtempSync(join(tmpdir(), 'oauthcli-git-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const config = join(dir, 'gitconfig');
    writeFileSync(config, '[credential]\n\thelper = store\n');
    const env = { ...process.env, HOME: dir, GIT_CONFIG_GLOBAL: config, GIT_CONFIG_NOSYSTEM: '1' };
    const all = (key: string) => {
      try {
        return execFileSync('git', ['config', '--global', '--get-all', key], { env, encoding: 'utf8' }).split('\n').slice(0, -1);
      } catch {
        return [];
      }
    };
    return { env, config, all, run: systemGit(env) };
  };

  it('writes an empty helper line and then ours, in GIT_CONFIG_GLOBAL; twice is the same as once; --remove undoes it', async () => {
    const g = git();
    const command = "!'/usr/bin/node' '/opt/oauth cli/bin/oauthcli.js' git-credential";
    await setUpGit(g.run, ['github.com', 'gist.github.com'], command);
    await setUpGit(g.run, ['github.com', 'gist.github.com'], command);
    expect(g.all(helperKey('github.com'))).toEqual(['', command]);
    expect(g.all(helperKey('gist.github.com'))).toEqual(['', command]);
    // What git itself resolves for that URL: the general `store` is reset by the empty line.
    const resolved = execFileSync('git', ['config', '--global', '--get-urlmatch', 'credential.helper', 'https://github.com/octo/repo.git'], { env: g.env, encoding: 'utf8' });
    expect(resolved.trim().split('\n').at(-1)).toBe(command);
    expect(await removeGitSetup(g.run, ['github.com', 'gist.github.com'], command)).toEqual([helperKey('github.com'), helperKey('gist.github.com')]);
    expect(g.all(helperKey('github.com'))).toEqual([]);
    expect(readFileSync(g.config, 'utf8')).toContain('helper = store');
  });

  it('--remove keeps a helper the user added for the same URL afterwards', async () => {
    const g = git();
    await setUpGit(g.run, ['ghe.example.com'], '!oauthcli git-credential');
    execFileSync('git', ['config', '--global', '--add', helperKey('ghe.example.com'), 'cache --timeout=60'], { env: g.env });
    expect(await removeGitSetup(g.run, ['ghe.example.com'], '!oauthcli git-credential')).toEqual([helperKey('ghe.example.com')]);
    expect(g.all(helperKey('ghe.example.com'))).toEqual(['cache --timeout=60']);
    expect(await removeGitSetup(g.run, ['ghe.example.com'], '!oauthcli git-credential')).toEqual([]);
    expect(helperKey('127.0.0.1:8080')).toBe('credential.http://127.0.0.1:8080.helper');
  });

  it('--remove finds the line a checkout wrote (node and dist/cli.js, a name that is not oauthcli)', async () => {
    const g = git();
    const command = helperCommand({ PATH: '' }, '/home/me/src/oauthcli/dist/cli.js', '/usr/bin/node');
    expect(command).toBe('!/usr/bin/node /home/me/src/oauthcli/dist/cli.js git-credential');
    await setUpGit(g.run, ['github.com'], command);
    expect(await removeGitSetup(g.run, ['github.com'], command)).toEqual([helperKey('github.com')]);
    expect(g.all(helperKey('github.com'))).toEqual([]);
  });

  it('names the program by absolute path unless `oauthcli` on PATH is this very program', () => {
    expect(helperCommand({ PATH: '/nowhere' }, '/opt/x/bin/oauthcli.js', '/usr/bin/node')).toBe('!/usr/bin/node /opt/x/bin/oauthcli.js git-credential');
    expect(helperCommand({ PATH: '/nowhere' }, "/it's here/oauthcli.js", '/usr/bin/node')).toBe(`!/usr/bin/node '/it'\\''s here/oauthcli.js' git-credential`);
  });
});
