// RFC 8628 device authorization grant: ask for codes, then poll the token endpoint.
// The polling policy follows the RFC and what GitHub's own CLI learnt (cli/oauth #111,
// cli/cli #9370): wait before the first poll, never poll faster than `interval`, and add a
// margin because timers in VMs and WSL run fast: 20 %, 40 % once the server said slow_down.
import type { HttpClient } from '../http/client.js';
import { defaultSleep } from '../http/client.js';
import { failure } from '../errors.js';
import { clientAuthFields, type ClientAuth } from './client-auth.js';
import { OAuthError, oauthErrorFrom } from './errors.js';
import { readOAuthBody, requestToken } from './token-endpoint.js';
import type { TokenResponse } from './token-set.js';

export const DEVICE_CODE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';

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
  /** GitHub wants comma-separated scopes; RFC 6749 says spaces. */
  scopeSeparator?: string;
  extraParams?: Record<string, string>;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

export async function requestDeviceAuthorization(http: HttpClient, req: DeviceAuthorizationRequest): Promise<DeviceAuthorization> {
  const identity = clientAuthFields(req.client, req.sendSecret);
  const res = await http.request({
    method: 'POST',
    url: req.endpoint,
    headers: { accept: 'application/json', ...req.headers, ...identity.headers },
    form: { ...identity.params, scope: req.scopes.join(req.scopeSeparator ?? ' '), ...req.extraParams },
    signal: req.signal,
    ...(req.client.clientSecret ? { secrets: [req.client.clientSecret] } : {}),
  });
  const body = readOAuthBody(res.status, res.headers['content-type'], await res.text(), res.url);
  if (res.status === 404) {
    // GitHub answers an unknown client id here with a bare 404.
    throw new OAuthError('failure', 'incorrect_client_credentials', `${res.url.host} does not know the client id '${req.client.clientId}' (HTTP 404). Check the OAuth app's client id.`);
  }
  if (typeof body.error === 'string' || res.status >= 400) throw oauthErrorFrom(body, `${res.url.host} refused to start the device flow`);
  const { device_code, user_code, verification_uri_complete, expires_in, interval } = body;
  // Google names it verification_url, after a draft of RFC 8628.
  const verification_uri = body.verification_uri ?? body.verification_url;
  if (typeof device_code !== 'string' || typeof user_code !== 'string' || typeof verification_uri !== 'string') {
    throw failure(`${res.url.host} sent a device authorization response without its codes`, { code: 'malformed_response' });
  }
  const auth: DeviceAuthorization = {
    deviceCode: device_code,
    userCode: user_code,
    verificationUri: verification_uri,
    expiresIn: positiveNumber(expires_in) ?? 900,
    interval: positiveNumber(interval) ?? 5, // RFC 8628 §3.2: 5 seconds when absent
  };
  if (typeof verification_uri_complete === 'string') auth.verificationUriComplete = verification_uri_complete;
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
  /** Called before each wait, e.g. to update a spinner. */
  onPoll?: (info: { attempt: number; intervalSeconds: number }) => void;
}

/** The margin we add to every wait: timers in VMs run fast and GitHub counts to the second. */
export function pollDelayMs(intervalSeconds: number, slowedDown: boolean): number {
  return Math.ceil(intervalSeconds * 1000 * (slowedDown ? 1.4 : 1.2));
}

const FATAL_MESSAGES: Record<string, string> = {
  access_denied: 'The sign-in was denied in the browser.',
  expired_token: 'The one-time code expired before it was entered. Run the login again.',
  token_expired: 'The one-time code expired before it was entered. Run the login again.',
  incorrect_client_credentials: 'The provider does not know this client id. Check the OAuth app\'s client id.',
  invalid_client: 'The provider does not know this client id. Check the OAuth app\'s client id.',
  incorrect_device_code: 'The provider no longer knows this device code. Run the login again.',
  device_flow_disabled: 'The device flow is not enabled for this OAuth app: enable "Device Flow" in the app\'s settings.',
  unsupported_grant_type: 'The provider does not support the device flow for this app.',
};

export async function pollForDeviceToken(http: HttpClient, opts: PollOptions): Promise<TokenResponse> {
  const sleep = opts.sleep ?? defaultSleep;
  const now = opts.now ?? Date.now;
  const deadline = now() + opts.authorization.expiresIn * 1000;
  let interval = opts.authorization.interval;
  let slowedDown = false;
  for (let attempt = 1; ; attempt++) {
    opts.onPoll?.({ attempt, intervalSeconds: interval });
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
        // RFC 8628 §3.5: add 5 seconds; GitHub sends the new interval itself.
        const sent = positiveNumber(error.body.interval);
        interval = sent && sent > interval ? sent : interval + 5;
        slowedDown = true;
        continue;
      }
      const message = FATAL_MESSAGES[error.code ?? ''];
      throw message ? new OAuthError('failure', error.code ?? 'error', message, error.description) : error;
    }
  }
}

function positiveNumber(value: unknown): number | undefined {
  const n = typeof value === 'string' ? Number(value) : value;
  return typeof n === 'number' && Number.isFinite(n) && n > 0 ? n : undefined;
}
