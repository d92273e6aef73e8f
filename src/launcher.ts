// How another program (kubectl, a shell) starts this oauthcli: by the absolute path of `oauthcli`
// on PATH when that is this very program (an npm global install), else by this Node and this
// script (a checkout, npx, a moved install), so the program it runs is always the one set up.
import { realpathSync } from 'node:fs';
import { delimiter, isAbsolute, join, resolve } from 'node:path';

export interface SelfCommand {
  /** An absolute path. */
  command: string;
  /** Words before oauthcli's own arguments (the script, when the command is Node). */
  args: string[];
}

export function selfCommand(env: NodeJS.ProcessEnv, script = process.argv[1] ?? '', node = process.execPath): SelfCommand {
  const self = realPath(script);
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (!dir || !self || !isAbsolute(dir)) continue;
    const candidate = join(dir, 'oauthcli');
    if (realPath(candidate) === self) return { command: candidate, args: [] };
  }
  return { command: node, args: [resolve(script)] };
}

/** Whether a program of this name is on PATH (what docker runs by name). */
export function onPath(env: NodeJS.ProcessEnv, name: string): boolean {
  return (env.PATH ?? '').split(delimiter).some((dir) => dir && realPath(join(dir, name)) !== undefined);
}

function realPath(path: string): string | undefined {
  try {
    return realpathSync(path);
  } catch {
    return undefined;
  }
}
