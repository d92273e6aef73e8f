// A stand-in for the user's browser (OAUTHCLI_BROWSER): a script that appends the URL it is given
// (its last argument) to a file, so a test can see what the CLI opened and open it itself.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunningCli } from './cli.js';

/** A program that may open the browser: the wait for a URL gives up once it has ended. */
export interface Opener {
  ended(): boolean;
  /** What to show when no URL came (its output). */
  describe(): string;
}

export interface StandInBrowser {
  /** The command to set as OAUTHCLI_BROWSER. */
  command: string;
  /** The file the URLs go to, one a line. */
  file: string;
  /** The URLs opened so far, in order. */
  opened(): string[];
  /** Resolves with the first URL opened; rejects when `cli` ends first, or after `timeoutMs`. */
  first(cli: RunningCli | Opener, timeoutMs: number): Promise<string>;
}

export function standInBrowser(dir: string, name = Math.random().toString(36).slice(2)): StandInBrowser {
  const file = join(dir, `opened-${name}.txt`);
  const command = join(dir, `browser-${name}.sh`);
  writeFileSync(command, `#!/bin/sh\nfor last in "$@"; do :; done\nprintf '%s\\n' "$last" >> '${file}'\n`, { mode: 0o755 });
  const opened = () => (existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : []);
  return {
    command,
    file,
    opened,
    first(cli, timeoutMs) {
      const opener = 'child' in cli ? openerOf(cli) : cli;
      return new Promise((resolve, reject) => {
        const deadline = Date.now() + timeoutMs;
        const check = () => {
          const text = existsSync(file) ? readFileSync(file, 'utf8') : '';
          // A URL is whole once its line ends.
          const url = text.split('\n')[0];
          if (text.includes('\n') && url) return resolve(url);
          if (opener.ended()) return reject(new Error(`the CLI exited before opening a browser\n${opener.describe()}`));
          if (Date.now() > deadline) return reject(new Error(`no URL was opened within ${timeoutMs} ms\n${opener.describe()}`));
          setTimeout(check, 25);
        };
        check();
      });
    },
  };
}

function openerOf(cli: RunningCli): Opener {
  return {
    ended: () => cli.child.exitCode !== null || cli.child.signalCode !== null,
    describe: () => `--- stderr ---\n${cli.stderr()}`,
  };
}
