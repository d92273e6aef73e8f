// The one place where errors become a line on stderr and an exit code (see the contract). Every
// line reads `oauthcli: …`, says what to do, and passes the redactor (no token) and the
// sanitizer (provider text in a message never drives the terminal).
import { AppError, type ErrorKind } from '../errors.js';
import { fileSystemState } from '../store/write-failure.js';
import { safeText } from './terminal/safe-text.js';

export const EXIT_CODES: Record<ErrorKind, number> = {
  failure: 1,
  usage: 2,
  'not-signed-in': 4,
  interrupted: 130,
};

export interface ErrorOutput {
  stderr: NodeJS.WritableStream;
  debug: boolean;
  redact(text: string): string;
  /** e.g. "oauthcli login github": added to not-signed-in errors that do not say it already. */
  loginHint?: string | undefined;
  /** The command being run ("repos", "provider add"), for "Run 'oauthcli repos --help' for usage." */
  command?: string | undefined;
}

export function reportError(error: unknown, out: ErrorOutput): number {
  const line = (text: string) => out.stderr.write(`oauthcli: ${safeText(out.redact(text))}\n`);
  if (error instanceof AppError) {
    let message = error.kind === 'interrupted' ? 'interrupted (Ctrl-C)' : error.message;
    if (error.kind === 'not-signed-in' && !message.includes('oauthcli login')) message += `. Run: ${out.loginHint ?? 'oauthcli login <provider>'}`;
    if (error.kind === 'usage' && error.code === undefined) message += `. Run 'oauthcli ${out.command ? `${out.command} ` : ''}--help' for usage.`;
    line(message);
    for (const hint of error.hints.slice(0, 2)) out.stderr.write(`  ${safeText(out.redact(hint))}\n`);
    if (out.debug && error.cause instanceof Error) out.stderr.write(`${out.redact(error.cause.stack ?? String(error.cause))}\n`);
    return EXIT_CODES[error.kind];
  }
  // A full disk, a quota or a read-only file system is the machine's state: say so, in one line.
  const state = fileSystemState(error);
  if (state) {
    const path = (error as NodeJS.ErrnoException).path;
    line(`cannot write ${path ?? 'a file'}: ${state}`);
    return 1;
  }
  const message = error instanceof Error ? error.message : String(error);
  line(`unexpected error: ${message.split('\n')[0] ?? message}${out.debug ? '' : ' (run with --debug for details)'}`);
  if (out.debug && error instanceof Error) out.stderr.write(`${out.redact(error.stack ?? '')}\n`);
  return 1;
}

/** A usage error from the command line (commander's), in our style: one line with where to read more. */
export function usageLine(commanderMessage: string, command: string): string {
  const text = commanderMessage
    .replace(/^error: /, '')
    .replace(/\n\(Did you mean (.*)\?\)/, ' (did you mean $1?)')
    .replace(/\s*\n\s*/g, ' ')
    .trim()
    .replace(/\.$/, '');
  return `oauthcli: ${safeText(text)}. Run 'oauthcli ${command ? `${command} ` : ''}--help' for usage.`;
}
