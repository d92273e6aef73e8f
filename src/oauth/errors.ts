// Typed OAuth errors: the provider's `error` code travels as the AppError code, so callers can
// decide what a refusal means where they are (a device-flow denial is a failure, a refused
// refresh means the user must sign in again).
import { AppError, type ErrorKind } from '../errors.js';

export class OAuthError extends AppError {
  readonly description: string | undefined;
  /** The error response's other fields, e.g. the new `interval` that comes with `slow_down`. */
  readonly body: Record<string, unknown>;

  constructor(kind: ErrorKind, code: string, message: string, description?: string, body: Record<string, unknown> = {}) {
    super(kind, message, { code });
    this.name = 'OAuthError';
    this.description = description;
    this.body = body;
  }
}

/** Reads `error`/`error_description` from an OAuth error body (RFC 6749 §5.2). */
export function oauthErrorFrom(body: Record<string, unknown>, fallbackMessage: string): OAuthError {
  const code = typeof body.error === 'string' ? body.error : 'invalid_response';
  const description = typeof body.error_description === 'string' ? body.error_description : undefined;
  const message = description ? `${fallbackMessage}: ${description} (${code})` : `${fallbackMessage}: ${code}`;
  return new OAuthError('failure', code, message, description, body);
}
