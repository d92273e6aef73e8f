// A stand-in for the user's browser (OAUTHCLI_BROWSER): a script that appends the URL it is given
// (its last argument) to a file, so a test can see what the CLI opened and open it itself.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface StandInBrowser {
  /** The command to set as OAUTHCLI_BROWSER. */
  command: string;
  /** The file the URLs go to, one a line. */
  file: string;
  /** The URLs opened so far, in order. */
  opened(): string[];
}

export function standInBrowser(dir: string, name = Math.random().toString(36).slice(2)): StandInBrowser {
  const file = join(dir, `opened-${name}.txt`);
  const command = join(dir, `browser-${name}.sh`);
  writeFileSync(command, `#!/bin/sh\nfor last in "$@"; do :; done\nprintf '%s\\n' "$last" >> '${file}'\n`, { mode: 0o755 });
  return { command, file, opened: () => (existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : []) };
}
