// Errors are values with a kind. Only src/cli/errors.ts turns a kind into an exit code and a
// line on stderr; every other layer throws these and never prints.

export type ErrorKind =
  | 'usage' // bad command line, unknown provider, missing configuration the user must add
  | 'not-signed-in' // no account, or the provider no longer accepts its token: `login` is needed
  | 'failure' // network, provider refusal, keychain trouble, anything else
  | 'interrupted'; // Ctrl-C

/**
 * The OAuth error codes a server sends (RFC 6749 §5.2, RFC 8628 §3.5, RFC 7009 §2.2.1, and
 * providers' own) that oauthcli tells apart. Any other arrives as `oauth_error`; the server's
 * words stay in the message.
 */
const SERVER_ERRORS = {
  access_denied: 'failure',
  authorization_declined: 'failure', // Entra: "Cancel" on the device code page
  authorization_pending: 'failure',
  bad_refresh_token: 'failure', // GitHub's invalid_grant for a refresh
  device_flow_disabled: 'failure', // GitHub: the app has the device flow turned off
  expired_token: 'failure',
  incorrect_client_credentials: 'failure', // GitHub's invalid_client
  incorrect_device_code: 'failure', // GitHub
  invalid_client: 'failure',
  invalid_grant: 'failure',
  invalid_token: 'failure',
  slow_down: 'failure',
  token_expired: 'failure', // a server's spelling of expired_token
  unauthorized_client: 'failure',
  unsupported_grant_type: 'failure',
  unsupported_token_type: 'failure',
} as const satisfies Record<string, ErrorKind>;

/**
 * Every error code, with its kind; the kind decides the exit code (EXIT_CODES in
 * src/cli/errors.ts: failure 1, usage 2, not-signed-in 4, interrupted 130). A code is for the
 * program (a caller that retries, falls back or explains, and the tests); the user reads the
 * message. How to add one: docs/architecture.md, "Errors".
 */
export const ERRORS = {
  // usage: the command line or the configuration must change
  ambiguous_account: 'usage',
  bad_api_base: 'usage',
  bad_endpoint: 'usage',
  bad_field: 'usage',
  bad_flags: 'usage',
  bad_header: 'usage',
  bad_hostname: 'usage',
  bad_issuer: 'usage',
  bad_jq: 'usage',
  bad_json_field: 'usage',
  bad_name: 'usage',
  bad_param: 'usage',
  bad_prompt: 'usage',
  bad_redirect_uri: 'usage',
  bad_repo: 'usage',
  bad_shell: 'usage',
  bad_storage: 'usage',
  bad_tenant: 'usage',
  context_taken: 'usage',
  env_token: 'usage',
  foreign_url: 'usage',
  jq_failed: 'usage',
  jq_too_deep: 'usage',
  no_client: 'usage',
  no_client_id: 'usage',
  no_client_secret: 'usage',
  no_cluster: 'usage',
  no_device_client: 'usage',
  provider_in_use: 'usage',
  unknown_account: 'usage',
  unknown_provider: 'usage',
  unsupported: 'usage',
  user_taken: 'usage',

  // not-signed-in: `login` is needed
  bad_credentials: 'not-signed-in',
  needs_login: 'not-signed-in',
  no_account: 'not-signed-in',
  no_token: 'not-signed-in',
  signed_out: 'not-signed-in',

  // failure: the network, a provider, a store or another program
  bad_exec_info: 'failure',
  bad_pagination_cursor: 'failure',
  bad_pagination_link: 'failure',
  config_not_writable: 'failure',
  corrupt_config: 'failure',
  detached_head: 'failure',
  discovery_failed: 'failure',
  disk_full: 'failure',
  docker_config: 'failure',
  docker_config_link: 'failure',
  git_config_failed: 'failure',
  gpg_bad_recipient: 'failure',
  gpg_error: 'failure',
  gpg_locked: 'failure',
  gpg_missing: 'failure',
  gpg_no_secret_key: 'failure',
  gpg_timeout: 'failure',
  graphql_error: 'failure',
  input_too_long: 'failure',
  insecure_url: 'failure',
  invalid_id_token: 'failure',
  invalid_response: 'failure', // an OAuth error answer without an `error` field
  keychain_unavailable: 'failure',
  kubectl_failed: 'failure',
  lock_timeout: 'failure',
  malformed_response: 'failure',
  network: 'failure',
  no_device_flow: 'failure',
  no_git: 'failure',
  no_id_token: 'failure',
  no_kubectl: 'failure',
  no_refresh_token: 'failure',
  no_remote: 'failure',
  no_revocation: 'failure',
  not_a_repository: 'failure',
  not_json: 'failure',
  oauth_error: 'failure', // an OAuth error code SERVER_ERRORS does not name
  pass_not_initialised: 'failure',
  pass_signature: 'failure',
  pkce_unsupported: 'failure',
  proxy_refused: 'failure',
  rate_limited: 'failure',
  redirect_port_busy: 'failure',
  response_too_large: 'failure',
  revocation_needs_client_auth: 'failure',
  revoke_failed: 'failure',
  revoke_unconfirmed: 'failure',
  save_failed: 'failure',
  secret_too_long: 'failure',
  storage_error: 'failure',
  timeout: 'failure',
  token_refused: 'failure',
  token_still_valid: 'failure',
  token_too_long: 'failure',
  token_too_short: 'failure',
  too_many_pages: 'failure',
  too_many_redirects: 'failure',
  unsafe_folder: 'failure',
  unsafe_lock: 'failure',
  unsafe_url: 'failure',
  unsupported_exec_version: 'failure',
  untrusted_certificate: 'failure',
  wrong_account: 'failure',
  ...SERVER_ERRORS,

  interrupted: 'interrupted',
} as const satisfies Record<string, ErrorKind>;

/** A provider's HTTP answer that says no more than its status, e.g. `http_404` (a failure). */
export type HttpStatusCode = `http_${number}`;
export type ErrorCode = keyof typeof ERRORS | HttpStatusCode;
/** The codes of one kind: `failure()` takes only failure codes, `usageError()` only usage codes. */
export type ErrorCodeOf<K extends ErrorKind> =
  | { [C in keyof typeof ERRORS]: (typeof ERRORS)[C] extends K ? C : never }[keyof typeof ERRORS]
  | (K extends 'failure' ? HttpStatusCode : never);
export type ServerErrorCode = keyof typeof SERVER_ERRORS | 'oauth_error';

/** The code for an OAuth `error` a server sent: its own when the table names it, else `oauth_error`. */
export function serverErrorCode(sent: string): ServerErrorCode {
  return Object.hasOwn(SERVER_ERRORS, sent) ? (sent as keyof typeof SERVER_ERRORS) : 'oauth_error';
}

interface AppErrorOptions<K extends ErrorKind> {
  code?: ErrorCodeOf<K> | undefined;
  cause?: unknown;
  /** At most two more lines, printed under the message: what else the user can do. */
  hints?: readonly string[];
}
/** A kind, a message, and options whose code is one of that kind's. */
type AppErrorArguments = { [K in ErrorKind]: [kind: K, message: string, options?: AppErrorOptions<K>] }[ErrorKind];

export class AppError extends Error {
  readonly kind: ErrorKind;
  /** A short machine-readable code from ERRORS, e.g. `access_denied` or `keychain_unavailable`. */
  readonly code: ErrorCode | undefined;
  /** At most two more lines, printed under the message: what else the user can do. */
  readonly hints: readonly string[];

  constructor(...[kind, message, options = {}]: AppErrorArguments) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AppError';
    this.kind = kind;
    this.code = options.code;
    this.hints = options.hints ?? [];
  }
}

export const usageError = (message: string, code?: ErrorCodeOf<'usage'>) => new AppError('usage', message, { code });
export const failure = (message: string, options?: AppErrorOptions<'failure'>) => new AppError('failure', message, options);
export const notSignedIn = (message: string, code?: ErrorCodeOf<'not-signed-in'>) => new AppError('not-signed-in', message, { code });
export const interrupted = () => new AppError('interrupted', 'Interrupted.', { code: 'interrupted' });

export function isAppError(error: unknown): error is AppError {
  return error instanceof AppError;
}
