// The one place where errors become a line on stderr and an exit code (see the contract).
import { AppError, type ErrorKind } from '../errors.js';

export const EXIT_CODES: Record<ErrorKind, number> = {
  failure: 1,
  usage: 2,
  'not-signed-in': 4,
  interrupted: 130,
};

export function reportError(error: unknown, out: { stderr: NodeJS.WritableStream; debug: boolean; redact(text: string): string }): number {
  if (error instanceof AppError) {
    if (error.kind !== 'interrupted') out.stderr.write(`oauthcli: ${out.redact(error.message)}\n`);
    if (out.debug && error.cause instanceof Error) out.stderr.write(`${out.redact(error.cause.stack ?? String(error.cause))}\n`);
    return EXIT_CODES[error.kind];
  }
  const message = error instanceof Error ? error.message : String(error);
  out.stderr.write(`oauthcli: unexpected error: ${out.redact(message.split('\n')[0] ?? message)}${out.debug ? '' : ' (run with --debug for details)'}\n`);
  if (out.debug && error instanceof Error) out.stderr.write(`${out.redact(error.stack ?? '')}\n`);
  return 1;
}
