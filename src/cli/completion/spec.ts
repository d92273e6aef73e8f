// What a shell may complete, read from the commander tree that parses the command line
// (buildProgram), so the completion scripts never drift from the commands: every visible command
// and subcommand, each flag (long, short, whether it takes a value), and what goes in each
// position. Hidden commands (`__complete`) and hidden flags are never offered.
//
// Values the tree does not declare come from VALUES below, keyed by command path and flag or
// argument; a flag or argument that declares `.choices()` needs no entry. The unit test checks
// that every entry names a flag or argument that exists.
import type { Argument, Command, Option } from 'commander';

/** Where the words for a value come from. */
export type ValueSource =
  | { kind: 'fixed'; values: readonly string[] }
  /** Provider names, asked at completion time: `oauthcli __complete providers`. */
  | { kind: 'providers' }
  /** Logins of stored accounts (of the provider on the command line): `oauthcli __complete users [provider]`. */
  | { kind: 'users' }
  | { kind: 'files' }
  /** Free text: nothing to offer. */
  | { kind: 'none' };

export interface FlagSpec {
  long: string | undefined;
  short: string | undefined;
  takesValue: boolean;
  description: string;
  values: ValueSource;
}

export interface ArgSpec {
  name: string;
  required: boolean;
  variadic: boolean;
  description: string;
  values: ValueSource;
}

export interface CommandSpec {
  /** e.g. [] for the program, ['provider', 'add']. */
  path: string[];
  name: string;
  description: string;
  subcommands: CommandSpec[];
  flags: FlagSpec[];
  args: ArgSpec[];
  /** The first argument names a provider: `--user` then lists that provider's logins. */
  providerFirst: boolean;
}

/** Values no `.choices()` declares, by "command path --flag" or "command path <argument>". */
export const VALUES: Readonly<Record<string, ValueSource>> = {
  'repos --visibility': { kind: 'fixed', values: ['all', 'public', 'private'] },
  'repos --affiliation': { kind: 'fixed', values: ['owner', 'collaborator', 'organization_member'] },
  'repos --sort': { kind: 'fixed', values: ['created', 'updated', 'pushed', 'full_name'] },
  'repos --direction': { kind: 'fixed', values: ['asc', 'desc'] },
  'api --method': { kind: 'fixed', values: ['GET', 'POST', 'PATCH', 'PUT', 'DELETE', 'HEAD'] },
  'api --input': { kind: 'files' },
  'git-credential <operation>': { kind: 'fixed', values: ['get', 'store', 'erase'] },
  'completion <shell>': { kind: 'fixed', values: ['bash', 'zsh', 'fish'] },
};

/** Argument names that hold a provider. */
const PROVIDER_ARGS = new Set(['provider', 'provider-or-endpoint']);

export function completionSpec(program: Command): CommandSpec {
  // Options of the program itself that work after any command (commander reads them anywhere).
  const global = program.options.filter((o) => !o.hidden && o.long !== '--version').map((o) => flagSpec([], o));
  return commandSpec(program, [], global);
}

function commandSpec(cmd: Command, path: string[], global: FlagSpec[]): CommandSpec {
  const help = cmd.createHelp();
  const subcommands = help.visibleCommands(cmd).map((sub) => {
    // Commander's implicit `help [command]`: its argument is one of the commands beside it.
    if (sub.name() === 'help' && !cmd.commands.includes(sub)) return helpCommandSpec(cmd, sub, path, global);
    return commandSpec(sub, [...path, sub.name()], global);
  });
  const own = help.visibleOptions(cmd).map((o) => flagSpec(path, o));
  const flags = path.length === 0 ? own : [...own, ...global.filter((g) => !own.some((o) => o.long === g.long))];
  const args = cmd.registeredArguments.map((a) => argSpec(path, a));
  return {
    path,
    name: path.at(-1) ?? cmd.name(),
    description: cmd.description(),
    subcommands,
    flags,
    args,
    providerFirst: args.length > 0 && args[0]!.values.kind === 'providers',
  };
}

function helpCommandSpec(parent: Command, help: Command, path: string[], global: FlagSpec[]): CommandSpec {
  const names = parent.createHelp().visibleCommands(parent).map((c) => c.name()).filter((n) => n !== 'help');
  return {
    path: [...path, 'help'],
    name: 'help',
    description: help.description(),
    subcommands: [],
    flags: global,
    args: [{ name: 'command', required: false, variadic: false, description: 'the command to explain', values: { kind: 'fixed', values: names } }],
    providerFirst: false,
  };
}

function flagSpec(path: string[], o: Option): FlagSpec {
  const takesValue = o.required || o.optional;
  const declared: ValueSource | undefined = o.argChoices ? { kind: 'fixed', values: [...o.argChoices] } : undefined;
  const known = o.long ? VALUES[[...path, o.long].join(' ')] : undefined;
  const values: ValueSource = !takesValue ? { kind: 'none' } : (declared ?? known ?? (o.long === '--user' ? { kind: 'users' } : { kind: 'none' }));
  return { long: o.long, short: o.short, takesValue, description: o.description, values };
}

function argSpec(path: string[], a: Argument): ArgSpec {
  const declared: ValueSource | undefined = a.argChoices ? { kind: 'fixed', values: [...a.argChoices] } : undefined;
  const known = VALUES[[...path, `<${a.name()}>`].join(' ')];
  const values: ValueSource = declared ?? known ?? (PROVIDER_ARGS.has(a.name()) ? { kind: 'providers' } : { kind: 'none' });
  return { name: a.name(), required: a.required, variadic: a.variadic, description: a.description, values };
}

/** Every command in the tree, the program first. */
export function allCommands(spec: CommandSpec): CommandSpec[] {
  return [spec, ...spec.subcommands.flatMap(allCommands)];
}
