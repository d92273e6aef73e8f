// Typed OAuth errors: the provider's `error` code travels as the AppError code (`oauth_error`
// when the table in src/errors.ts does not name it), so callers can decide what a refusal means
// where they are (a device-flow denial is a failure, a refused refresh means the user must sign
// in again).
import { AppError, type ErrorCodeOf, serverErrorCode } from '../errors.js';

export class OAuthError extends AppError {
  declare readonly code: ErrorCodeOf<'failure'>;
  readonly description: string | undefined;
  /** The error response's other fields, e.g. the new `interval` that comes with `slow_down`. */
  readonly body: Record<string, unknown>;

  constructor(kind: 'failure', code: ErrorCodeOf<'failure'>, message: string, description?: string, body: Record<string, unknown> = {}) {
    super(kind, message, { code });
    this.name = 'OAuthError';
    this.description = description;
    this.body = body;
  }
}

/** Reads `error`/`error_description` from an OAuth error body (RFC 6749 §5.2). */
export function oauthErrorFrom(body: Record<string, unknown>, fallbackMessage: string): OAuthError {
  const sent = typeof body.error === 'string' ? body.error : 'invalid_response';
  const description = typeof body.error_description === 'string' ? body.error_description : undefined;
  const message = description ? `${fallbackMessage}: ${description} (${sent})` : `${fallbackMessage}: ${sent}`;
  return new OAuthError('failure', typeof body.error === 'string' ? serverErrorCode(body.error) : 'invalid_response', message, description, body);
}
