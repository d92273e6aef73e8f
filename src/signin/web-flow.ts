// The browser flow as a sign-in (RFC 8252 + PKCE): a loopback listener, the authorization URL
// opened in a browser (or pasted back from one elsewhere), and the code exchanged for tokens.
import { AppError, failure } from '../errors.js';
import { buildAuthorizationUrl, exchangeAuthorizationCode } from '../oauth/authorization-code.js';
import { clientAuth } from '../oauth/client-auth.js';
import { codeChallengeS256, createCodeVerifier, createState } from '../oauth/pkce.js';
import { startRedirectListener } from '../oauth/redirect-listener.js';
import { tokenSetFrom } from '../oauth/token-response.js';
import type { SessionDeps } from '../session/deps.js';
import type { FlowParams, FlowResult } from './flow-result.js';
import type { SignInUi } from './ui.js';

export interface WebFlowParams extends FlowParams {
  timeoutMs: number;
  /** Another account of this host is signed in already: let the user pick the account. */
  addingAccount: boolean;
  /** Ask the provider to show its consent screen (for a refresh token: Google). */
  consent: boolean;
}

export async function runWebFlow(deps: SessionDeps, ui: SignInUi, p: WebFlowParams): Promise<FlowResult> {
  // We only ever send S256 (RFC 7636 §4.2); an issuer that advertises its methods must list it.
  if (p.endpoints.pkceMethods && !p.endpoints.pkceMethods.includes('S256')) {
    throw failure(`${p.endpoints.issuer} does not support PKCE with S256 (it advertises ${p.endpoints.pkceMethods.join(', ') || 'no method'}), so oauthcli will not sign in there`, {
      code: 'pkce_unsupported',
    });
  }
  const state = createState();
  const verifier = createCodeVerifier();
  const nonce = p.provider.openIdConnect ? createState() : undefined;
  deps.rememberSecret(verifier);
  const listener = await startRedirectListener({
    expectedState: state,
    expectedIssuer: p.endpoints.issuer,
    ...(p.endpoints.issuerParamRequired ? { requireIssuer: true } : {}),
    timeoutMs: p.timeoutMs,
    ...(p.provider.redirectUri ? { fixedRedirectUri: p.provider.redirectUri } : {}),
    ...(deps.signal ? { signal: deps.signal } : {}),
  }).catch((error: unknown) => {
    if (error instanceof AppError && error.code === 'redirect_port_busy') {
      const help = p.provider.fixedRedirectHelp?.(PORT_EXAMPLE);
      throw failure(`${error.message}: close that program${help ? `, or choose another port (${help}) and register the new redirect URI at ${p.endpoints.host}` : ''}`, { code: error.code, cause: error });
    }
    throw error;
  });
  let stopPasting: (() => void) | undefined;
  let waiting: { stop(): void; update(text: string): void } | undefined;
  try {
    const url = buildAuthorizationUrl({
      authorizeEndpoint: p.endpoints.authorize,
      clientId: p.clientId,
      redirectUri: listener.redirectUri,
      scopes: p.scopes,
      state,
      codeChallenge: codeChallengeS256(verifier),
      extraParams: { ...p.provider.authorizationParams?.({ addingAccount: p.addingAccount, consent: p.consent }), ...(nonce ? { nonce } : {}) },
    });
    const opened = await ui.showAuthorizationUrl(url, p.endpoints.host, p.openBrowser);
    // No browser here (--no-browser, SSH, or it failed to open): the browser elsewhere is sent
    // to a page it cannot load, whose address the user pastes back. No spinner over their typing.
    if (opened) waiting = ui.waiting('Waiting for the browser…');
    else stopPasting = ui.acceptPastedRedirect({ redirectUri: listener.redirectUri, submit: (text) => listener.submitRedirectUrl(text) });
    const { code } = await listener.result.catch((error: unknown) => {
      if (error instanceof AppError && error.code === 'timeout') explainTimeout(ui, p, listener.redirectUri, listener.port);
      throw error;
    });
    deps.rememberSecret(code);
    stopPasting?.();
    stopPasting = undefined;
    waiting ??= ui.waiting('Exchanging the code for a token…');
    waiting.update('Exchanging the code for a token…');
    const response = await exchangeAuthorizationCode(await deps.http(), {
      tokenEndpoint: p.endpoints.token,
      client: clientAuth(p.clientId, p.clientSecret, p.endpoints.clientAuthMethod),
      code,
      codeVerifier: verifier,
      redirectUri: listener.redirectUri,
      headers: p.provider.oauthHeaders,
      ...(deps.signal ? { signal: deps.signal } : {}),
    });
    return {
      tokens: tokenSetFrom(response, new Date(), p.scopes),
      ...(response.id_token ? { idToken: response.id_token } : {}),
      ...(nonce ? { nonce } : {}),
    };
  } finally {
    waiting?.stop();
    stopPasting?.();
    await listener.close();
  }
}

/** A port to suggest for a fixed redirect URI: IANA's dynamic range, where servers rarely listen. */
const PORT_EXAMPLE = 53682;

/**
 * No callback before the timeout: nothing reached the listener, so either the server never sent
 * the browser back (it refused the redirect URI: exact-match servers show an error page) or the
 * page was left. One line each, before the error line itself.
 */
function explainTimeout(ui: SignInUi, p: WebFlowParams, redirectUri: string, port: number): void {
  ui.note(`The browser never came back to ${redirectUri}. Likely causes:`);
  if (p.provider.redirectUri) {
    ui.note(`- ${p.endpoints.host} refused the redirect URI (an error page in the browser): register exactly ${redirectUri} for the client ${p.clientId}`);
  } else {
    const fix = p.provider.fixedRedirectHelp?.(port);
    ui.note(
      `- ${p.endpoints.host} refused the redirect URI (an error page in the browser): servers that compare it exactly need a fixed port${fix ? ` (${fix})` : ''}, then register exactly ${fix ? redirectUri : 'that URI'} for the client ${p.clientId}`,
    );
  }
  ui.note('- the browser page was closed, or the sign-in there was not finished');
}
