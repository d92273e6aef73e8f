// The fast path takes only the exact, plain forms of `token` and `git-credential`; everything
// else (help, unknown flags, `--opt=value`, a missing value) is commander's.
import { describe, expect, it } from 'vitest';
import { fastInvocation } from '../../src/cli/fast-path.js';

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
  ])('%j runs without commander', (argv, expected) => {
    expect(parsed(argv)).toEqual(expected);
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
    [['whoami']],
    [[]],
  ])('%j is left to commander', (argv) => {
    expect(fastInvocation(argv)).toBeUndefined();
  });
});
