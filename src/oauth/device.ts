// RFC 8628 device authorization grant: ask for codes, then poll the token endpoint.
// The polling policy follows the RFC and what GitHub's own CLI learnt (its fix for fast clocks
// in VMs and WSL): wait before the first poll, never poll faster than `interval`, and add a
// margin: 20 %, 40 % once the server said slow_down. The server's numbers are clamped: a broken
// or hostile server must not make us poll a thousand times a second or overflow a timer.
import type { HttpClient } from '../http/client.js';
import { defaultSleep } from '../http/retry.js';
import { isSafeWebUrl } from '../http/insecure-hosts.js';
import { type ErrorCode, failure } from '../errors.js';
import { clientAuthFields, type ClientAuth } from './client-auth.js';
import { DEVICE_CODE_GRANT } from './device-grant.js';
import { OAuthError, oauthErrorFrom } from './errors.js';
import { readOAuthBody, requestToken } from './token-endpoint.js';
import type { TokenResponse } from './token-response.js';

export interface DeviceAuthorization {
  deviceCode: string;
  userCode: string;
  verificationUri: string;
  verificationUriComplete?: string;
  /** Seconds the codes stay valid. */
  expiresIn: number;
  /** Seconds to wait between polls. */
  interval: number;
}

export interface DeviceAuthorizationRequest {
  endpoint: string;
  client: ClientAuth;
  /** Confidential clients authenticate here too (RFC 8628 §3.1). */
  sendSecret: boolean;
  scopes: string[];
  /** Extra parameters the provider wants (Auth0's audience); never the ones set here. */
  extraParams?: Record<string, string>;
  /** Fields of the answer the server names otherwise than RFC 8628: its name → the RFC's. */
  responseAliases?: Readonly<Record<string, string>>;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

/** Bounds on what a server may ask of us (seconds). */
export const INTERVAL_BOUNDS = { min: 1, max: 120 } as const;
export const EXPIRES_IN_BOUNDS = { min: 10, max: 3_600 } as const;

export async function requestDeviceAuthorization(http: HttpClient, req: DeviceAuthorizationRequest): Promise<DeviceAuthorization> {
  const identity = clientAuthFields(req.client, req.sendSecret);
  const res = await http.request({
    method: 'POST',
    url: req.endpoint,
    headers: { accept: 'application/json', ...req.headers, ...identity.headers },
    form: { ...req.extraParams, ...identity.params, scope: req.scopes.join(' ') },
    signal: req.signal,
    ...(req.client.clientSecret ? { secrets: [req.client.clientSecret] } : {}),
  });
  // The status first: a server without a device flow answers 404 with whatever page it has
  // (GitLab before 17.2), or 204 with nothing at all (GitLab 17.2–17.8 with the flag off).
  if (res.status === 404 || res.status === 204) {
    await res.dump();
    throw new OAuthError('failure', 'no_device_flow', `${res.url.host} has no device authorization endpoint at ${res.url.pathname} (HTTP ${res.status})`);
  }
  const body = withAliases(readOAuthBody(res.status, res.headers['content-type'], await res.text(), res.url), req.responseAliases);
  if (typeof body.error === 'string' || res.status >= 400) throw oauthErrorFrom(body, `${res.url.host} refused to start the device flow`);
  const { device_code, user_code, verification_uri, verification_uri_complete, expires_in, interval } = body;
  if (typeof device_code !== 'string' || typeof user_code !== 'string' || typeof verification_uri !== 'string') {
    throw failure(`${res.url.host} sent a device authorization response without its codes`, { code: 'malformed_response' });
  }
  // The user is told to open this: never javascript:, file:, or plain http across a network.
  if (!isSafeWebUrl(verification_uri)) {
    throw failure(`${res.url.host} sent a verification address that is not an https URL; not opening or showing it`, { code: 'unsafe_url' });
  }
  const auth: DeviceAuthorization = {
    deviceCode: device_code,
    userCode: user_code,
    verificationUri: verification_uri,
    expiresIn: clamp(positiveNumber(expires_in) ?? 900, EXPIRES_IN_BOUNDS),
    interval: clamp(positiveNumber(interval) ?? 5, INTERVAL_BOUNDS), // RFC 8628 §3.2: 5 seconds when absent
  };
  if (isSafeWebUrl(verification_uri_complete)) auth.verificationUriComplete = verification_uri_complete;
  return auth;
}

export interface PollOptions {
  tokenEndpoint: string;
  client: ClientAuth;
  /** Some providers want the secret even here (Google, confidential OIDC clients); GitHub does not. */
  sendSecret: boolean;
  authorization: DeviceAuthorization;
  headers?: Record<string, string>;
  signal?: AbortSignal;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  now?: () => number;
}

/** The margin we add to every wait: timers in VMs run fast and servers count to the second. */
export function pollDelayMs(intervalSeconds: number, slowedDown: boolean): number {
  return Math.ceil(intervalSeconds * 1000 * (slowedDown ? 1.4 : 1.2));
}

/** RFC 8628 §3.5's errors that end the flow, and RFC 6749 §5.2's about the client. */
const FATAL_MESSAGES: Partial<Record<ErrorCode, string>> = {
  access_denied: 'The sign-in was denied in the browser.',
  expired_token: 'The one-time code expired before it was entered. Run the login again.',
  token_expired: 'The one-time code expired before it was entered. Run the login again.',
  invalid_client: "The provider does not know this client id. Check the OAuth app's client id.",
  unauthorized_client: 'This OAuth app may not use the device flow.',
  unsupported_grant_type: 'The provider does not support the device flow for this app.',
};

export async function pollForDeviceToken(http: HttpClient, opts: PollOptions): Promise<TokenResponse> {
  const sleep = opts.sleep ?? defaultSleep;
  const now = opts.now ?? Date.now;
  const deadline = now() + opts.authorization.expiresIn * 1000;
  let interval = opts.authorization.interval;
  let slowedDown = false;
  for (;;) {
    const wait = pollDelayMs(interval, slowedDown);
    if (now() + wait > deadline) {
      throw new OAuthError('failure', 'expired_token', FATAL_MESSAGES.expired_token!);
    }
    await sleep(wait, opts.signal);
    try {
      return await requestToken(http, {
        endpoint: opts.tokenEndpoint,
        params: { device_code: opts.authorization.deviceCode, grant_type: DEVICE_CODE_GRANT },
        client: opts.client,
        sendSecret: opts.sendSecret,
        headers: opts.headers,
        signal: opts.signal,
      });
    } catch (error) {
      if (!(error instanceof OAuthError)) throw error;
      if (error.code === 'authorization_pending') continue;
      if (error.code === 'slow_down') {
        // RFC 8628 §3.5: add 5 seconds; some servers (GitHub) send the new interval themselves.
        const sent = positiveNumber(error.body.interval);
        interval = clamp(sent && sent > interval ? sent : interval + 5, INTERVAL_BOUNDS);
        slowedDown = true;
        continue;
      }
      const message = FATAL_MESSAGES[error.code];
      throw message ? new OAuthError('failure', error.code, message, error.description, error.body) : error;
    }
  }
}

/** `body` with each field the RFC names taken from the server's own name for it, where the RFC's is absent. */
function withAliases(body: Record<string, unknown>, aliases: Readonly<Record<string, string>> | undefined): Record<string, unknown> {
  if (!aliases) return body;
  const out = { ...body };
  for (const [theirs, ours] of Object.entries(aliases)) out[ours] ??= body[theirs];
  return out;
}

function positiveNumber(value: unknown): number | undefined {
  const n = typeof value === 'string' ? Number(value) : value;
  return typeof n === 'number' && Number.isFinite(n) && n > 0 ? n : undefined;
}

function clamp(n: number, bounds: { min: number; max: number }): number {
  return Math.min(bounds.max, Math.max(bounds.min, n));
}
