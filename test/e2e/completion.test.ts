// `oauthcli completion bash|zsh|fish`, each script loaded into the real shell and asked to
// complete, with the built CLI on PATH as `oauthcli` and a config of three accounts and an added
// provider, so the dynamic parts (`oauthcli __complete providers|users`) run for real:
// - bash: the generated function called with COMP_WORDS/COMP_CWORD as bash fills them
//   (including the split bash makes at '=');
// - zsh: an interactive zsh in a zpty, Tab pressed, every match compadd receives recorded;
// - fish: `complete -C`, fish's own completion of a command line.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI_BIN, makeSandbox, runCli, type Sandbox } from '../support/cli.js';

const has = (shell: string) => spawnSync(shell, ['-c', 'exit 0'], { stdio: 'ignore' }).status === 0;
const account = (provider: string, host: string, login: string) => ({ [`${provider}:${host}:${login}`]: { provider, host, login, id: login, scopes: [], storage: 'keychain', signedInAt: '' } });

let sandbox: Sandbox;
let env: Record<string, string>;
let cwd: string;
const scripts: Record<string, string> = {};
const COMMANDS = ['login', 'whoami', 'repos', 'token', 'refresh', 'revoke', 'status', 'logout', 'switch', 'api', 'setup-git', 'setup-kubectl', 'setup-docker', 'git-credential', 'completion', 'app', 'storage', 'provider', 'help'];
const PROVIDERS = ['corp', 'entra', 'github', 'gitlab', 'google'];

beforeAll(async () => {
  sandbox = makeSandbox();
  writeFileSync(
    join(sandbox.configDir, 'config.json'),
    JSON.stringify({
      accounts: { ...account('github', 'github.com', 'octocat'), ...account('github', 'github.com', 'hubot'), ...account('gitlab', 'gitlab.com', 'tanuki') },
      active: {},
      providers: { corp: { issuer: 'https://login.corp.example', clientId: 'oauthcli' } },
    }),
  );
  const bin = join(sandbox.root, 'bin');
  mkdirSync(bin);
  writeFileSync(join(bin, 'oauthcli'), `#!/bin/sh\nexec '${process.execPath}' '${CLI_BIN}' "$@"\n`);
  chmodSync(join(bin, 'oauthcli'), 0o755);
  cwd = join(sandbox.root, 'work');
  mkdirSync(cwd);
  writeFileSync(join(cwd, 'body.json'), '{}');
  writeFileSync(join(cwd, 'notes.txt'), '');
  env = { ...(sandbox.env as Record<string, string>), PATH: `${bin}:${process.env.PATH ?? ''}` };
  for (const shell of ['bash', 'zsh', 'fish']) {
    const res = await runCli(['completion', shell], { env });
    expect(res.code).toBe(0);
    expect(res.stderr).toBe('');
    scripts[shell] = join(sandbox.root, `completion.${shell}`);
    writeFileSync(scripts[shell], res.stdout);
  }
});
afterAll(() => {
  sandbox?.cleanup();
});

/** Runs a shell; its stdout, split into sorted, non-empty lines. */
function shell(file: string, args: string[]): string[] {
  const res = spawnSync(file, args, { env, cwd, encoding: 'utf8', timeout: 30_000 });
  if (res.status !== 0) throw new Error(`${file} exited ${res.status}: ${res.stderr}`);
  return [...new Set(res.stdout.split('\n').filter(Boolean))].sort();
}

/** Each case: the words before the cursor and the word being completed, and what must be offered. */
const CASES: Array<[string, string[], string[]]> = [
  ['commands', ['oauthcli', ''], [...COMMANDS].sort()],
  ['a command by prefix', ['oauthcli', 'lo'], ['login', 'logout']],
  ['never a hidden command', ['oauthcli', '__'], []],
  ['subcommands', ['oauthcli', 'provider', ''], ['add', 'help', 'list', 'remove', 'set']],
  ['flags of login', ['oauthcli', 'login', '--'], ['--clipboard', '--debug', '--device', '--git', '--help', '--hostname', '--insecure-storage', '--no-browser', '--no-git', '--scopes', '--storage', '--tenant', '--timeout', '--web', '--with-token']],
  ['--storage values', ['oauthcli', 'login', '--storage', ''], ['file', 'keychain', 'pass']],
  ['storage migrate --to values', ['oauthcli', 'storage', 'migrate', '--to', 'p'], ['pass']],
  ['provider names, an added one included', ['oauthcli', 'login', ''], PROVIDERS],
  ['a flag value is skipped when finding the argument', ['oauthcli', 'whoami', '--hostname', 'ghe.example.com', ''], PROVIDERS],
  ['--visibility values', ['oauthcli', 'repos', '--visibility', ''], ['all', 'private', 'public']],
  ['--direction values by prefix', ['oauthcli', 'repos', '--direction', 'a'], ['asc']],
  ['--user: logins of the provider named', ['oauthcli', 'whoami', 'github', '--user', ''], ['hubot', 'octocat']],
  ['-u: logins of another provider', ['oauthcli', 'token', 'gitlab', '-u', ''], ['tanuki']],
  ['--user with no provider: every login', ['oauthcli', 'repos', '-u', ''], ['hubot', 'octocat', 'tanuki']],
  ['git-credential operations', ['oauthcli', 'git-credential', ''], ['erase', 'get', 'store']],
  ['completion shells', ['oauthcli', 'completion', ''], ['bash', 'fish', 'zsh']],
  ['api methods', ['oauthcli', 'api', '-X', 'P'], ['PATCH', 'POST', 'PUT']],
  ['api --input: file names', ['oauthcli', 'api', '--input', ''], ['body.json', 'notes.txt']],
  ['nothing after the last argument', ['oauthcli', 'whoami', 'github', ''], []],
];

describe.skipIf(!has('bash'))('bash', () => {
  it('the script is valid bash', () => {
    expect(spawnSync('bash', ['-n', scripts.bash!]).status).toBe(0);
  });

  /** COMP_WORDS as bash makes them (it splits --flag=value at '='), the cursor on the last one. */
  const complete = (words: string[]) =>
    shell('bash', ['-c', 'source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _oauthcli_completion; printf "%s\\n" "${COMPREPLY[@]}"', 'bash', scripts.bash!, ...words]);

  it.each(CASES)('%s', (_what, words, expected) => {
    expect(complete(words)).toEqual(expected);
  });

  it('--flag=value, split at = as bash splits it', () => {
    expect(complete(['oauthcli', 'repos', '--visibility', '=', 'p'])).toEqual(['private', 'public']);
    expect(complete(['oauthcli', 'whoami', 'gitlab', '--user', '=', ''])).toEqual(['tanuki']);
    // Without '=' in COMP_WORDBREAKS the whole word is replaced, so the flag stays in front.
    expect(complete(['oauthcli', 'repos', '--sort=f'])).toEqual(['--sort=full_name']);
  });
});

describe.skipIf(!has('zsh'))('zsh', () => {
  it('the script is valid zsh', () => {
    expect(spawnSync('zsh', ['-n', scripts.zsh!]).status).toBe(0);
  });

  /** A zsh script that types LINE and Tab into an interactive zsh (zpty) and prints each match compadd was given. */
  const HARNESS = String.raw`
zmodload zsh/zpty || exit 3
script=$1; line=$2; dir=$3
cat > $dir/setup.zsh <<SETUP
autoload -U compinit; compinit -u -D
source ${'$'}{(q)script}
compadd () {
  if [[ \${@[1,(i)(-|--)]} == *-(O|A|D)\ * ]]; then builtin compadd "\$@"; return \$?; fi
  typeset -a __hits
  builtin compadd -A __hits "\$@"
  (( \$#__hits )) && print -rl -- \$__hits >> $dir/hits
}
finish() { : > $dir/done }
zle -N finish
bindkey '^X' finish
SETUP
zpty z zsh -f -i
zpty -w z "source $dir/setup.zsh"
zpty -n -w z "$line"$'\t\x18'
integer n=0
while (( n++ < 400 )) && [[ ! -e $dir/done ]]; do sleep 0.05; zpty -rt z chunk; done
[[ -e $dir/done ]] || { print -u2 "no completion within 20 s"; exit 4; }
[[ -e $dir/hits ]] && cat $dir/hits
zpty -d z
`;
  let n = 0;
  const complete = (words: string[]) => {
    const dir = join(sandbox.root, `zsh-${n++}`);
    mkdirSync(dir);
    const harness = join(sandbox.root, 'zsh-harness.zsh');
    writeFileSync(harness, HARNESS);
    return shell('zsh', ['-f', harness, scripts.zsh!, words.join(' '), dir]);
  };

  // With no argument left to give, zsh's _arguments offers the command's flags instead of nothing.
  const WHOAMI_FLAGS = ['--debug', '--help', '--hostname', '--jq', '--json', '--user', '-h', '-q', '-u'];
  const zshCases = CASES.map(([what, words, expected]): [string, string[], string[]] =>
    what === 'nothing after the last argument' ? ['after the last argument: the flags', words, WHOAMI_FLAGS] : [what, words, expected],
  );

  it.each(zshCases)('%s', (_what, words, expected) => {
    expect(complete(words)).toEqual(expected);
  });

  it('--flag=value', () => {
    expect(complete(['oauthcli', 'whoami', '--user='])).toEqual(['hubot', 'octocat', 'tanuki']);
  });
});

describe.skipIf(!has('fish'))('fish', () => {
  it('the script is valid fish', () => {
    expect(spawnSync('fish', ['--no-execute', scripts.fish!]).status).toBe(0);
  });

  /** fish's own completion of the command line (complete -C), the candidates without descriptions. */
  const complete = (words: string[]) =>
    shell('fish', ['--no-config', '-c', 'source $argv[1]; complete -C $argv[2]', scripts.fish!, words.join(' ')]).map((l) => l.split('\t')[0]!);

  it.each(CASES)('%s', (_what, words, expected) => {
    expect(complete(words)).toEqual(expected);
  });

  it('--flag=value', () => {
    expect(complete(['oauthcli', 'whoami', 'github', '--user='])).toEqual(['--user=hubot', '--user=octocat']);
  });

  it('commands come with their descriptions', () => {
    const res = spawnSync('fish', ['--no-config', '-c', 'source $argv[1]; complete -C "oauthcli lo"', scripts.fish!], { env, encoding: 'utf8' });
    expect(res.stdout).toContain('login\tsign in and store the tokens in the OS keychain');
  });
});
