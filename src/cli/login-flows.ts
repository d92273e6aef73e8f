// The two sign-in flows as the user sees them: what is printed, what is opened, what is read
// from stdin. The protocol itself lives in src/oauth.
import { createInterface } from 'node:readline';
import { failure } from '../errors.js';
import { requestDeviceAuthorization, pollForDeviceToken } from '../oauth/device.js';
import { buildAuthorizationUrl, exchangeAuthorizationCode } from '../oauth/authorization-code.js';
import { clientAuth } from '../oauth/client-auth.js';
import { startLoopbackListener } from '../oauth/loopback.js';
import { codeChallengeS256, createCodeVerifier, createState } from '../oauth/pkce.js';
import { tokenSetFrom, type TokenSet } from '../oauth/token-set.js';
import type { Endpoints, Provider } from '../providers/types.js';
import { openBrowser } from './browser.js';
import { paintFor, startSpinner } from './output.js';
import type { World } from './world.js';

export interface FlowParams {
  provider: Provider;
  endpoints: Endpoints;
  clientId: string;
  clientSecret: string | undefined;
  scopes: string[];
  openBrowser: boolean;
}

export interface FlowResult {
  tokens: TokenSet;
  /** OpenID Connect: to validate once, never to store. */
  idToken?: string;
  nonce?: string;
}

export async function deviceLogin(world: World, p: FlowParams): Promise<FlowResult> {
  if (!p.endpoints.deviceAuthorization) throw failure(`${p.endpoints.host} offers no device flow; use --web`, { code: 'no_device_flow' });
  const http = await world.http();
  const auth = await requestDeviceAuthorization(http, {
    endpoint: p.endpoints.deviceAuthorization,
    client: clientAuth(p.clientId, p.clientSecret, p.endpoints.clientAuthMethod),
    sendSecret: p.provider.secretOnEveryTokenRequest,
    scopes: p.scopes,
    scopeSeparator: p.provider.scopeSeparator,
    headers: p.provider.oauthHeaders,
    signal: world.signal,
  });
  world.rememberSecret(auth.deviceCode);
  const paint = await paintFor(world, world.stderr);
  world.info(`! First copy your one-time code: ${paint.bold(auth.userCode)}`);
  world.info(`Open this URL to continue in your web browser: ${auth.verificationUri}`);
  if (p.openBrowser && !(await openBrowser(auth.verificationUriComplete ?? auth.verificationUri, world.env))) {
    world.info('(could not open a browser; open the URL above yourself)');
  }
  const spinner = await startSpinner(world, 'Waiting for authorization in the browser…');
  try {
    const response = await pollForDeviceToken(http, {
      tokenEndpoint: p.endpoints.token,
      client: clientAuth(p.clientId, p.clientSecret, p.endpoints.clientAuthMethod),
      sendSecret: p.provider.secretOnEveryTokenRequest,
      authorization: auth,
      headers: p.provider.oauthHeaders,
      signal: world.signal,
    });
    return { tokens: tokenSetFrom(response, new Date(), p.scopes), ...(response.id_token ? { idToken: response.id_token } : {}) };
  } finally {
    spinner.stop();
  }
}

export async function webLogin(world: World, p: FlowParams & { timeoutMs: number }): Promise<FlowResult> {
  const state = createState();
  const verifier = createCodeVerifier();
  const nonce = p.provider.openIdConnect ? createState() : undefined;
  world.rememberSecret(verifier);
  const listener = await startLoopbackListener({
    expectedState: state,
    expectedIssuer: p.endpoints.issuer,
    timeoutMs: p.timeoutMs,
    signal: world.signal,
  });
  const url = buildAuthorizationUrl({
    authorizeEndpoint: p.endpoints.authorize,
    clientId: p.clientId,
    redirectUri: listener.redirectUri,
    scopes: p.scopes,
    scopeSeparator: p.provider.scopeSeparator,
    state,
    codeChallenge: codeChallengeS256(verifier),
    extraParams: { ...p.provider.authorizationParams, ...(nonce ? { nonce } : {}) },
  });
  world.info(`Open this URL in your browser to sign in: ${url}`);
  const stopPasting = p.openBrowser ? undefined : acceptPastedRedirect(world, listener);
  if (p.openBrowser && !(await openBrowser(url, world.env))) world.info('(could not open a browser; open the URL above yourself)');
  const spinner = await startSpinner(world, 'Waiting for the browser…');
  try {
    const { code } = await listener.result;
    world.rememberSecret(code);
    spinner.update('Exchanging the code for a token…');
    const http = await world.http();
    const response = await exchangeAuthorizationCode(http, {
      tokenEndpoint: p.endpoints.token,
      client: clientAuth(p.clientId, p.clientSecret, p.endpoints.clientAuthMethod),
      code,
      codeVerifier: verifier,
      redirectUri: listener.redirectUri,
      headers: p.provider.oauthHeaders,
      signal: world.signal,
    });
    return {
      tokens: tokenSetFrom(response, new Date(), p.scopes),
      ...(response.id_token ? { idToken: response.id_token } : {}),
      ...(nonce ? { nonce } : {}),
    };
  } finally {
    spinner.stop();
    stopPasting?.();
    await listener.close();
  }
}

/**
 * For a browser on another machine (SSH): the page it could not load shows the redirect URL in
 * its address bar; the user pastes it here and it is checked exactly like a callback.
 */
function acceptPastedRedirect(world: World, listener: Awaited<ReturnType<typeof startLoopbackListener>>): () => void {
  world.info(`If your browser is on another machine, paste here the full URL it was sent to (it starts with ${listener.redirectUri}):`);
  const rl = createInterface({ input: world.stdin, terminal: false });
  rl.on('line', (line) => {
    if (!line.trim()) return;
    const verdict = listener.submitRedirectUrl(line);
    if (!verdict.accepted) world.info(`That URL was not accepted: ${verdict.reason}. Paste the URL of this sign-in.`);
  });
  return () => {
    rl.close();
    world.stdin.pause();
    world.stdin.unref?.();
  };
}

/** "5m", "90s", "300" (seconds) → milliseconds. */
export function parseDuration(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m|min|h)?$/i.exec(text.trim());
  if (!m) return undefined;
  const n = Number(m[1]);
  const unit = (m[2] ?? 's').toLowerCase();
  const ms = unit === 'ms' ? n : unit === 's' ? n * 1000 : unit === 'h' ? n * 3_600_000 : n * 60_000;
  return ms > 0 ? ms : undefined;
}
