// `oauthcli completion bash|zsh|fish`: prints a completion script generated from the command
// definitions themselves (buildProgram), so it never drifts from them. `oauthcli __complete
// providers|users [provider]` (hidden) is what the scripts run at completion time for the names
// only the config knows.
import { usageError } from '../../errors.js';
import { bashScript } from '../completion/bash.js';
import { fishScript } from '../completion/fish.js';
import { completionSpec } from '../completion/spec.js';
import { zshScript } from '../completion/zsh.js';
import { writeResult } from '../terminal/streams.js';
import type { Command } from 'commander';
import type { World } from '../world.js';

const SHELLS = { bash: bashScript, zsh: zshScript, fish: fishScript } as const;

/** `command` is this command as commander parsed it: the whole tree is its root. */
export async function run(world: World, shell: string, _opts: unknown, command: Command): Promise<number> {
  const render = Object.hasOwn(SHELLS, shell) ? SHELLS[shell as keyof typeof SHELLS] : undefined;
  if (!render) throw usageError(`unknown shell '${shell}' (one of: ${Object.keys(SHELLS).join(', ')})`, 'bad_shell');
  let program = command;
  while (program.parent) program = program.parent;
  await writeResult(world, render(completionSpec(program), program.name()));
  return 0;
}

/**
 * What a login or a provider name offered for completion may look like: GitHub logins, GitLab
 * usernames, e-mail-like OpenID Connect usernames. Anything else (a provider-chosen
 * `$(touch x)`, a space, a quote) is left out: the scripts treat every value as data, and a value
 * no user would type is not worth offering.
 */
export const COMPLETABLE = /^[A-Za-z0-9._@+-]{1,100}$/;

/**
 * Provider names (built-in and added), or the logins of stored accounts (of one provider when it
 * names a known one), one a line. Run on every Tab press: reads the config only, and prints
 * nothing rather than an error (a broken config must not break the user's shell).
 */
export async function complete(world: World, what: string, provider?: string): Promise<number> {
  let lines: string[] = [];
  try {
    if (what === 'providers') lines = world.providers.names().filter((name) => COMPLETABLE.test(name));
    else if (what === 'users') {
      const known = provider !== undefined && world.providers.names().includes(provider.toLowerCase());
      const accounts = world.accounts.list().filter((a) => !known || a.provider === provider!.toLowerCase());
      lines = [...new Set(accounts.map((a) => a.login).filter((login) => COMPLETABLE.test(login)))];
    }
  } catch {
    lines = [];
  }
  if (lines.length > 0) await writeResult(world, `${lines.join('\n')}\n`);
  return 0;
}
