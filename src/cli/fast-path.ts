// The commands that run most often, with no human waiting but a program (`token` in scripts,
// `git-credential get` on every git fetch), in their plain forms, without commander: loading it
// costs about as much again as the command (it loads node:child_process and node:util). Any form
// this does not recognise exactly (another flag, `--help`, `-h` without a value, `--opt=value`)
// goes to commander, which parses everything.
import type { CommandModule, Invocation } from './run-command.js';

const GIT_OPERATIONS = new Set(['get', 'store', 'erase', 'capability']);
const VALUE_FLAGS: Record<string, 'hostname' | 'user'> = { '-h': 'hostname', '--hostname': 'hostname', '-u': 'user', '--user': 'user' };

export function fastInvocation(argv: readonly string[]): Invocation | undefined {
  const [name, ...rest] = argv;
  if (name === 'git-credential') {
    const [operation, ...extra] = rest;
    if (extra.length > 0 || operation === undefined || !GIT_OPERATIONS.has(operation)) return undefined;
    return { name, loading: load(() => import('./commands/git-credential.js')), positional: [operation], opts: {} };
  }
  if (name === 'token') {
    const opts: Record<string, unknown> = {};
    const positional: string[] = [];
    for (let i = 0; i < rest.length; i++) {
      const word = rest[i]!;
      const flag = VALUE_FLAGS[word];
      if (flag) {
        const value = rest[i + 1];
        if (value === undefined || value.startsWith('-') || opts[flag] !== undefined) return undefined;
        opts[flag] = value;
        i += 1;
      } else if (word === '--debug') opts.debug = true;
      else if (word.startsWith('-') || positional.length > 0) return undefined;
      else positional.push(word);
    }
    return { name, loading: load(() => import('./commands/token.js')), positional: [positional[0]], opts };
  }
  return undefined;
}

function load(importer: () => Promise<unknown>): Promise<CommandModule> {
  return importer() as Promise<CommandModule>;
}
