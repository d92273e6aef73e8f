// The one place where errors become a line on stderr and an exit code (see the contract).
import { AppError, type ErrorKind } from '../errors.js';

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
}

export function reportError(error: unknown, out: ErrorOutput): number {
  if (error instanceof AppError) {
    let message = error.message;
    if (error.kind === 'not-signed-in' && !message.includes('oauthcli login')) message += `. Run: ${out.loginHint ?? 'oauthcli login <provider>'}`;
    out.stderr.write(`oauthcli: ${out.redact(error.kind === 'interrupted' ? 'interrupted (Ctrl-C)' : message)}\n`);
    if (out.debug && error.cause instanceof Error) out.stderr.write(`${out.redact(error.cause.stack ?? String(error.cause))}\n`);
    return EXIT_CODES[error.kind];
  }
  const message = error instanceof Error ? error.message : String(error);
  out.stderr.write(`oauthcli: unexpected error: ${out.redact(message.split('\n')[0] ?? message)}${out.debug ? '' : ' (run with --debug for details)'}\n`);
  if (out.debug && error instanceof Error) out.stderr.write(`${out.redact(error.stack ?? '')}\n`);
  return 1;
}
