// The commands that run most often in their plain forms, without commander: loading it and
// building the program costs 20-40 ms (it loads node:child_process and node:util), as much as
// `token` itself, and as much as a page of `repos` waits on the network. `token` runs in scripts
// and `git-credential get` on every git fetch, with no human waiting but a program; `whoami`,
// `repos` and `api` are what people run most. Their options are the same table commander reads
// (src/cli/command-options.ts). Any form this does not recognise exactly (another flag, `--help`,
// `-h` without a value, `--opt=value`, a repeated option, `--`) goes to commander, which parses
// everything and explains what is wrong.
import { API_OPTIONS, HOSTNAME_OPTION, REPOS_OPTIONS, TOKEN_OPTIONS, WHOAMI_OPTIONS, type OptionSpec } from './command-options.js';
import type { CommandModule, Invocation } from './run-command.js';

const GIT_OPERATIONS = new Set(['get', 'store', 'erase', 'capability']);

interface FastCommand {
  options: readonly OptionSpec[];
  /** How many positionals it takes: at least, at most. */
  positionals: readonly [number, number];
  load(): Promise<unknown>;
}

// Each takes a host (-h); the first three one optional positional, the provider; `api` the
// provider (which may be left out) and the endpoint.
const FAST_COMMANDS: Record<string, FastCommand> = {
  token: { options: TOKEN_OPTIONS, positionals: [0, 1], load: () => import('./commands/token.js') },
  whoami: { options: WHOAMI_OPTIONS, positionals: [0, 1], load: () => import('./commands/whoami.js') },
  repos: { options: REPOS_OPTIONS, positionals: [0, 1], load: () => import('./commands/repos.js') },
  api: { options: API_OPTIONS, positionals: [1, 2], load: () => import('./commands/api.js') },
};

export function fastInvocation(argv: readonly string[]): Invocation | undefined {
  const [name, ...rest] = argv;
  if (name === 'git-credential') {
    const [operation, ...extra] = rest;
    if (extra.length > 0 || operation === undefined || !GIT_OPERATIONS.has(operation)) return undefined;
    return { name, loading: load(() => import('./commands/git-credential.js')), positional: [operation], opts: {} };
  }
  const command = name === undefined ? undefined : FAST_COMMANDS[name];
  if (!command) return undefined;
  const parsed = parseWords(rest, [HOSTNAME_OPTION, ...command.options]);
  const [least, most] = command.positionals;
  if (!parsed || parsed.positional.length < least || parsed.positional.length > most) return undefined;
  // As commander hands them on: every positional it declares, undefined when not given.
  const positional = Array.from({ length: most }, (_, i) => parsed.positional[i]);
  return { name: name!, loading: load(command.load), positional, opts: parsed.opts };
}

/** How a word of the command line reads: the option's key in `opts` (commander's camelCase name), and whether a value follows. */
interface Flag {
  key: string;
  takesValue: boolean;
  /** `--json [fields]`: a value may follow; with a word after it, commander decides. */
  optionalValue?: boolean;
  /** Its values are collected, as often as it is given (OptionSpec.repeatable). */
  repeatable?: boolean;
}

/** The words for each option: "-L, --limit <n>" → -L and --limit, with a value, as `limit`. */
export function flagWords(specs: readonly OptionSpec[]): Map<string, Flag> {
  const words = new Map<string, Flag>();
  for (const spec of specs) {
    const match = /^(?:(-[A-Za-z]), )?--([a-z][a-z-]*)(?: <[^>]+>| \[[^\]]+\])?$/.exec(spec.flags);
    if (!match) throw new Error(`fast path: cannot read the option "${spec.flags}"`);
    const flag = {
      key: match[2]!.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase()),
      takesValue: spec.flags.endsWith('>'),
      ...(spec.flags.endsWith(']') ? { optionalValue: true } : {}),
      ...(spec.repeatable ? { repeatable: true } : {}),
    };
    if (match[1]) words.set(match[1], flag);
    words.set(`--${match[2]}`, flag);
  }
  words.set('--debug', { key: 'debug', takesValue: false });
  return words;
}

function parseWords(words: readonly string[], specs: readonly OptionSpec[]): { positional: string[]; opts: Invocation['opts'] } | undefined {
  const flags = flagWords(specs);
  const opts: Invocation['opts'] = {};
  // A repeatable option not given is an empty list, as commander's default.
  for (const flag of flags.values()) if (flag.repeatable) opts[flag.key] = [];
  const positional: string[] = [];
  for (let i = 0; i < words.length; i++) {
    const word = words[i]!;
    if (!word.startsWith('-')) {
      positional.push(word);
      continue;
    }
    const flag = flags.get(word);
    if (!flag || (opts[flag.key] !== undefined && !flag.repeatable)) return undefined;
    if (flag.optionalValue && words[i + 1] !== undefined && !words[i + 1]!.startsWith('-')) return undefined;
    if (!flag.takesValue) {
      opts[flag.key] = true;
      continue;
    }
    const value = words[i + 1];
    if (value === undefined || value.startsWith('-')) return undefined;
    opts[flag.key] = flag.repeatable ? [...(opts[flag.key] as string[]), value] : value;
    i += 1;
  }
  return { positional, opts };
}

function load(importer: () => Promise<unknown>): Promise<CommandModule> {
  return importer() as Promise<CommandModule>;
}
