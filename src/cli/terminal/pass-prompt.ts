// Whether gpg-agent may ask for a passphrase while oauthcli runs, and on which terminal: a person
// is there when stdin or stderr is a terminal (`oauthcli token` inside `$(…)`, git running the
// credential helper from a shell) or a desktop can show a pinentry window. pinentry-curses needs
// the terminal's name (GPG_TTY, which pass's own docs ask users to export); when it is not set,
// the name of the terminal we were given is passed on.
import { readlinkSync } from 'node:fs';
import type { InStream, OutStream } from './streams.js';

export interface PassPrompt {
  allowed: boolean;
  tty?: string | undefined;
}

export function passPrompt(env: NodeJS.ProcessEnv, platform: NodeJS.Platform, stdin: InStream, stderr: OutStream): PassPrompt {
  const terminal = Boolean(stdin.isTTY) || Boolean(stderr.isTTY);
  const desktop = platform === 'darwin' || platform === 'win32' || Boolean(env.DISPLAY || env.WAYLAND_DISPLAY);
  if (!terminal && !desktop) return { allowed: false };
  const fd = stdin === process.stdin && stdin.isTTY ? 0 : stderr === process.stderr && stderr.isTTY ? 2 : undefined;
  return { allowed: true, tty: env.GPG_TTY || (fd === undefined ? undefined : terminalName(fd, platform)) };
}

/** /dev/pts/N for a descriptor on a terminal (Linux's /proc; elsewhere gpg's own guess is used). */
function terminalName(fd: number, platform: NodeJS.Platform): string | undefined {
  if (platform !== 'linux') return undefined;
  try {
    const name = readlinkSync(`/proc/self/fd/${fd}`);
    return name.startsWith('/dev/') ? name : undefined;
  } catch {
    return undefined;
  }
}
