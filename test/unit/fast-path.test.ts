// The fast path takes only the exact, plain forms of `token`, `whoami`, `repos`, `api` and
// `git-credential`; everything else (help, unknown flags, `--opt=value`, a missing value) is
// commander's. What it takes, it reads as commander does: both are given the same words here.
import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { API_OPTIONS, HOSTNAME_OPTION, REPOS_OPTIONS, TOKEN_OPTIONS, WHOAMI_OPTIONS } from '../../src/cli/command-options.js';
import { fastInvocation, flagWords } from '../../src/cli/fast-path.js';
import { buildProgram } from '../../src/cli/program.js';

const parsed = (argv: string[]) => {
  const inv = fastInvocation(argv);
  inv?.loading.catch(() => undefined);
  return inv && { name: inv.name, positional: inv.positional, opts: inv.opts };
};

describe('fastInvocation', () => {
  it.each([
    [['token'], { name: 'token', positional: [undefined], opts: {} }],
    [['token', 'github'], { name: 'token', positional: ['github'], opts: {} }],
    [['token', '-h', 'ghe.example.com', '-u', 'octocat'], { name: 'token', positional: [undefined], opts: { hostname: 'ghe.example.com', user: 'octocat' } }],
    [['token', 'gitlab', '--hostname', '127.0.0.1:8080', '--debug'], { name: 'token', positional: ['gitlab'], opts: { hostname: '127.0.0.1:8080', debug: true } }],
    [['git-credential', 'get'], { name: 'git-credential', positional: ['get'], opts: {} }],
    [['git-credential', 'erase'], { name: 'git-credential', positional: ['erase'], opts: {} }],
    [['whoami'], { name: 'whoami', positional: [undefined], opts: {} }],
    [['whoami', 'gitlab', '--json', '-q', '.username'], { name: 'whoami', positional: ['gitlab'], opts: { json: true, jq: '.username' } }],
    [['repos', '--json', '--hostname', '127.0.0.1:8080'], { name: 'repos', positional: [undefined], opts: { json: true, hostname: '127.0.0.1:8080' } }],
    [
      ['repos', 'github', '-L', '20', '--sort', 'updated', '--direction', 'asc', '--visibility', 'private', '--affiliation', 'owner,collaborator', '-u', 'octocat'],
      { name: 'repos', positional: ['github'], opts: { limit: '20', sort: 'updated', direction: 'asc', visibility: 'private', affiliation: 'owner,collaborator', user: 'octocat' } },
    ],
    [['api', 'user/repos', '--paginate'], { name: 'api', positional: ['user/repos', undefined], opts: { paginate: true, rawField: [], field: [], header: [] } }],
    [
      ['api', 'gitlab', '/projects', '-X', 'GET', '-f', 'membership=true', '-F', 'per_page=5', '-f', 'simple=true', '-H', 'Accept: x'],
      { name: 'api', positional: ['gitlab', '/projects'], opts: { method: 'GET', rawField: ['membership=true', 'simple=true'], field: ['per_page=5'], header: ['Accept: x'] } },
    ],
  ])('%j runs without commander', (argv, expected) => {
    expect(parsed(argv)).toEqual(expected);
  });

  it.each([
    ['token'],
    ['token', 'github', '-h', 'ghe.example.com', '-u', 'octocat', '--debug'],
    ['whoami', '--json'],
    ['whoami', 'gitlab', '-q', '.username', '--hostname', 'gitlab.example.com'],
    ['repos'],
    ['repos', '--json', '--hostname', '127.0.0.1:8080'],
    ['repos', 'github', '-L', '20', '--sort', 'updated', '--direction', 'asc', '--visibility', 'private', '--affiliation', 'owner', '-u', 'octocat', '--jq', '.[].name', '--debug'],
    ['api', 'user/repos', '--paginate', '-q', '.[].full_name', '--max-pages', '30', '-h', 'ghe.example.com'],
    ['api', 'github', 'graphql', '-f', 'query=query{viewer{login}}', '-F', 'n=1', '-F', 'b=true', '-H', 'X-A: 1', '-H', 'X-B: 2', '-i', '--silent', '-R', 'o/r', '-u', 'octocat', '--input', 'body.json', '-X', 'POST'],
  ])('%j: the same command, arguments and options as commander reads', async (...argv) => {
    expect(parsed(argv)).toEqual(await commanderReads(argv));
  });

  it('reads every option of the table, each form of it, as commander names it', async () => {
    for (const [name, options, positional] of [['token', TOKEN_OPTIONS, []], ['whoami', WHOAMI_OPTIONS, []], ['repos', REPOS_OPTIONS, []], ['api', API_OPTIONS, ['/user']]] as const) {
      for (const [word, flag] of flagWords([HOSTNAME_OPTION, ...options])) {
        const argv = [name, ...positional, word, ...(flag.takesValue ? ['v'] : [])];
        expect(parsed(argv), argv.join(' ')).toEqual(await commanderReads(argv));
      }
    }
  });

  it.each([
    [['token', '--help']],
    [['token', '-h']],
    [['token', '-h', '--user', 'x']],
    [['token', '--hostname=ghe.example.com']],
    [['token', 'github', 'gitlab']],
    [['token', '-x']],
    [['token', '-h', 'a', '-h', 'b']],
    [['git-credential']],
    [['git-credential', 'get', 'extra']],
    [['git-credential', 'fill']],
    [['whoami', '--json=true']],
    [['repos', '--json', '--json']],
    [['repos', '-L']],
    [['repos', '-L', '--json']],
    [['repos', '--', 'github']],
    [['repos', '--web']],
    [['repos', '-jq', '.']],
    [['api']],
    [['api', 'github', '/user', 'extra']],
    [['api', '/user', '--input', '-']],
    [['api', '/user', '-f']],
    [['api', '/user', '--paginate', '--paginate']],
    [['api', '/user', '--method=GET']],
    [['status']],
    [['login', 'github']],
    [[]],
  ])('%j is left to commander', (argv) => {
    expect(fastInvocation(argv)).toBeUndefined();
  });
});

/** What commander hands the command's action for these words: its name, arguments and options. */
async function commanderReads(argv: string[]): Promise<{ name: string; positional: unknown[]; opts: Record<string, unknown> }> {
  let seen: { name: string; positional: unknown[]; opts: Record<string, unknown> } | undefined;
  const program = buildProgram({
    execute: () => async (...args: unknown[]) => {
      const command = args.at(-1) as Command;
      seen = { name: command.name(), positional: args.slice(0, -2), opts: command.optsWithGlobals() };
    },
  });
  await program.parseAsync(argv, { from: 'user' });
  if (!seen) throw new Error(`commander ran nothing for ${argv.join(' ')}`);
  return seen;
}
