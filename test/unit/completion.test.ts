// `oauthcli completion` in process: the spec read from the real command tree (buildProgram) —
// commands, subcommands, flags and their values, nothing hidden — every entry of its table of
// values naming a flag or argument that exists (so the table cannot drift), and
// `oauthcli __complete` (provider names and logins from the config, quietly).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { complete, run } from '../../src/cli/commands/completion.js';
import { allCommands, completionSpec, VALUES, type CommandSpec } from '../../src/cli/completion/spec.js';
import { buildProgram } from '../../src/cli/program.js';
import { AppError } from '../../src/errors.js';
import { testWorld, type TestWorld } from '../support/test-world.js';

const program = () => buildProgram({ execute: () => async () => undefined });
const spec = () => completionSpec(program());
const find = (path: string) => allCommands(spec()).find((c) => c.path.join(' ') === path);
const flag = (cmd: CommandSpec | undefined, long: string) => cmd?.flags.find((f) => f.long === long);

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

describe('the spec, from the command definitions', () => {
  it('every visible command, and no hidden one anywhere', () => {
    const visible = program()
      .commands.filter((c) => !(c as unknown as { _hidden: boolean })._hidden)
      .map((c) => c.name());
    const s = spec();
    expect(s.subcommands.map((c) => c.name)).toEqual([...visible, 'help']);
    expect(visible).toEqual(expect.arrayContaining(['login', 'whoami', 'repos', 'token', 'status', 'api', 'completion', 'provider', 'git-credential']));
    expect(allCommands(s).some((c) => c.path.includes('__complete'))).toBe(false);
  });

  it('subcommands of provider', () => {
    expect(find('provider')!.subcommands.map((c) => c.name)).toEqual(['add', 'set', 'list', 'remove', 'help']);
    expect(flag(find('provider add'), '--issuer')).toMatchObject({ takesValue: true });
  });

  it('flags: long and short, whether they take a value, --help only where -h is --hostname', () => {
    const login = find('login');
    expect(flag(login, '--hostname')).toMatchObject({ short: '-h', takesValue: true });
    expect(flag(login, '--web')).toMatchObject({ short: '-w', takesValue: false });
    expect(flag(login, '--no-browser')).toMatchObject({ takesValue: false });
    expect(flag(login, '--help')).toMatchObject({ short: undefined });
    expect(flag(find('status'), '--hostname')).toMatchObject({ short: '-h', takesValue: true });
    expect(flag(find('completion'), '--help')).toMatchObject({ short: '-h' });
    // The program's own --debug works after any command.
    expect(flag(login, '--debug')).toBeDefined();
    expect(flag(find(''), '--version')).toMatchObject({ short: '-V' });
  });

  it('values: fixed words, providers, logins, files', () => {
    expect(flag(find('repos'), '--visibility')!.values).toEqual({ kind: 'fixed', values: ['all', 'public', 'private'] });
    expect(flag(find('repos'), '--direction')!.values).toEqual({ kind: 'fixed', values: ['asc', 'desc'] });
    expect(flag(find('whoami'), '--user')!.values).toEqual({ kind: 'users' });
    expect(flag(find('api'), '--input')!.values).toEqual({ kind: 'files' });
    expect(flag(find('login'), '--hostname')!.values).toEqual({ kind: 'none' });
    expect(find('login')!.args[0]!.values).toEqual({ kind: 'providers' });
    expect(find('api')!.args[0]!.values).toEqual({ kind: 'providers' });
    expect(find('api')!.args[1]!.values).toEqual({ kind: 'none' });
    expect(find('git-credential')!.args[0]!.values).toEqual({ kind: 'fixed', values: ['get', 'store', 'erase'] });
    expect(find('completion')!.args[0]!.values).toEqual({ kind: 'fixed', values: ['bash', 'zsh', 'fish'] });
    expect(find('help')!.args[0]!.values).toMatchObject({ kind: 'fixed', values: expect.arrayContaining(['login', 'provider']) });
    expect(find('whoami')!.providerFirst).toBe(true);
    expect(find('status')!.providerFirst).toBe(false);
  });

  it('every entry of the table of values names a flag or an argument that exists (no drift)', () => {
    const commands = allCommands(spec());
    for (const key of Object.keys(VALUES)) {
      const m = /^(.*?) (--[\w-]+|<[\w-]+>)$/.exec(key);
      expect(m, key).not.toBeNull();
      const cmd = commands.find((c) => c.path.join(' ') === m![1]);
      expect(cmd, key).toBeDefined();
      const name = m![2]!;
      const exists = name.startsWith('--') ? cmd!.flags.some((f) => f.long === name && f.takesValue) : cmd!.args.some((a) => `<${a.name}>` === name);
      expect(exists, key).toBe(true);
    }
  });
});

describe('completion <shell>', () => {
  it('prints a script for bash, zsh and fish naming every command', async () => {
    for (const shell of ['bash', 'zsh', 'fish']) {
      const t = testWorld();
      cleanups.push(t.cleanup);
      // As commander hands it over: this command, inside the whole tree.
      const completion = program().commands.find((c) => c.name() === 'completion')!;
      expect(await run(t.world, shell, {}, completion)).toBe(0);
      for (const name of ['login', 'whoami', 'repos', 'api', 'provider', 'git-credential', 'setup-git']) expect(t.stdout()).toContain(name);
      expect(t.stdout()).not.toContain("'__complete'");
    }
  });

  it('an unknown shell is a usage error', async () => {
    const t = testWorld();
    cleanups.push(t.cleanup);
    await expect(run(t.world, 'powershell', {}, program())).rejects.toSatisfy((e: unknown) => e instanceof AppError && e.kind === 'usage' && /unknown shell 'powershell'/.test(e.message));
  });
});

describe('__complete', () => {
  function withConfig(config: unknown): TestWorld {
    const dir = mkdtempSync(join(tmpdir(), 'oauthcli-complete-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
    const t = testWorld({ configDir: dir });
    cleanups.push(t.cleanup);
    return t;
  }
  const account = (provider: string, host: string, login: string) => ({ [`${provider}:${host}:${login}`]: { provider, host, login, id: login, scopes: [], storage: 'keychain', signedInAt: '' } });
  const config = {
    accounts: { ...account('github', 'github.com', 'octocat'), ...account('github', 'ghe.example.com', 'octocat'), ...account('github', 'github.com', 'hubot'), ...account('gitlab', 'gitlab.com', 'tanuki') },
    active: {},
    providers: { corp: { issuer: 'https://login.corp.example', clientId: 'oauthcli' } },
  };

  it('providers: the built-in ones and the added ones', async () => {
    const t = withConfig(config);
    expect(await complete(t.world, 'providers')).toBe(0);
    expect(t.stdout()).toBe('github\ngoogle\ngitlab\nentra\ncorp\n');
  });

  it('users: every login once; of one provider when it names one; all when the word is not a provider', async () => {
    const all = withConfig(config);
    await complete(all.world, 'users');
    expect(all.stdout()).toBe('octocat\nhubot\ntanuki\n');
    const github = withConfig(config);
    await complete(github.world, 'users', 'GitHub');
    expect(github.stdout()).toBe('octocat\nhubot\n');
    const endpoint = withConfig(config);
    await complete(endpoint.world, 'users', '/user');
    expect(endpoint.stdout()).toBe('octocat\nhubot\ntanuki\n');
  });

  it('users: only logins that look like logins (letters, digits, . _ @ + -, at most 100): no shell text, spaces, quotes or line breaks', async () => {
    const hostile = ['$(touch x)', '`touch x`', 'a;touch x', '*', 'a b', "it's", 'a\nb', 'x'.repeat(101), ''];
    const fine = ['octo-cat', 'first.last', 'user_name', 'me+work@example.com', 'x'.repeat(100)];
    const t = withConfig({ accounts: Object.assign({}, ...[...hostile, ...fine].map((login) => account('corp', 'login.corp.example', login))), active: {}, providers: config.providers });
    await complete(t.world, 'users');
    expect(t.stdout()).toBe(`${fine.join('\n')}\n`);
  });

  it('providers: an added name that is not a plain word (a hand-edited config) is left out', async () => {
    const t = withConfig({ accounts: {}, active: {}, providers: { ...config.providers, '$(touch x)': { issuer: 'https://x.example', clientId: 'x' } } });
    await complete(t.world, 'providers');
    expect(t.stdout()).toBe('github\ngoogle\ngitlab\nentra\ncorp\n');
  });

  it('nothing to say, or a question it does not know: empty output, exit 0', async () => {
    const empty = withConfig({ accounts: {}, active: {}, providers: {} });
    expect(await complete(empty.world, 'users')).toBe(0);
    expect(empty.stdout()).toBe('');
    const unknown = withConfig(config);
    expect(await complete(unknown.world, 'hosts')).toBe(0);
    expect(unknown.stdout()).toBe('');
    expect(unknown.stderr()).toBe('');
  });
});
