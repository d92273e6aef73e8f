// Writes `dist/help.txt`: the top-level help, rendered by commander at build time, so the entry
// chunk can answer `oauthcli --help` in a pipe before commander loads (start-up is part of the
// product; see bench/run.mjs).
import { spawnSync } from 'node:child_process';
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Writes `dist/help.txt`: `oauthcli --help` exactly as commander prints it into a pipe (80
 * columns). src/cli/main.ts prints it for `--help`/`-h` when stdout is not a terminal; on a
 * terminal commander renders help for the terminal's width. Returns the file's path.
 */
export function prerenderHelp(outdir) {
  const path = join(outdir, 'help.txt');
  // Without the file the entry asks commander, both for the run below and for any CLI started meanwhile.
  rmSync(path, { force: true });
  const res = spawnSync(process.execPath, [join(outdir, 'cli.js'), '--help'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (res.status !== 0 || !res.stdout.startsWith('Usage:')) throw new Error(`could not pre-render --help (exit ${res.status}): ${res.stderr}`);
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, res.stdout);
  renameSync(tmp, path);
  return path;
}
