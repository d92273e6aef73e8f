// Errors are values with a kind. Only src/cli/errors.ts turns a kind into an exit code and a
// line on stderr; every other layer throws these and never prints.

export type ErrorKind =
  | 'usage' // bad command line, unknown provider, missing configuration the user must add
  | 'not-signed-in' // no account, or the provider no longer accepts its token: `login` is needed
  | 'failure' // network, provider refusal, keychain trouble, anything else
  | 'interrupted'; // Ctrl-C

export class AppError extends Error {
  readonly kind: ErrorKind;
  /** A short machine-readable code, e.g. an OAuth error code such as `access_denied`. */
  readonly code: string | undefined;
  /** At most two more lines, printed under the message: what else the user can do. */
  readonly hints: readonly string[];

  constructor(kind: ErrorKind, message: string, options: { code?: string; cause?: unknown; hints?: readonly string[] } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AppError';
    this.kind = kind;
    this.code = options.code;
    this.hints = options.hints ?? [];
  }
}

export const usageError = (message: string, code?: string) => new AppError('usage', message, { code });
export const failure = (message: string, options?: { code?: string; cause?: unknown; hints?: readonly string[] }) =>
  new AppError('failure', message, options);
export const notSignedIn = (message: string, code?: string) => new AppError('not-signed-in', message, { code });
export const interrupted = () => new AppError('interrupted', 'Interrupted.', { code: 'interrupted' });

export function isAppError(error: unknown): error is AppError {
  return error instanceof AppError;
}
