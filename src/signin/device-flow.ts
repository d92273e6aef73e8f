// The device flow as a sign-in (RFC 8628): ask for a code, show it, poll until the user has
// entered it somewhere (a phone will do), and hand back the tokens.
import { failure } from '../errors.js';
import { clientAuth } from '../oauth/client-auth.js';
import { pollForDeviceToken, requestDeviceAuthorization } from '../oauth/device.js';
import { tokenSetFrom } from '../oauth/token-response.js';
import type { SessionDeps } from '../session/deps.js';
import type { FlowParams, FlowResult } from './flow-result.js';
import type { SignInUi } from './ui.js';

export type DeviceFlowParams = FlowParams;

export async function runDeviceFlow(deps: SessionDeps, ui: SignInUi, p: DeviceFlowParams): Promise<FlowResult> {
  if (!p.endpoints.deviceAuthorization) throw failure(`${p.endpoints.host} offers no device flow; use --web`, { code: 'no_device_flow' });
  const http = await deps.http();
  const client = clientAuth(p.clientId, p.clientSecret, p.endpoints.clientAuthMethod);
  const auth = await requestDeviceAuthorization(http, {
    endpoint: p.endpoints.deviceAuthorization,
    client,
    sendSecret: p.provider.secretOnEveryTokenRequest,
    scopes: p.scopes,
    ...(p.provider.deviceAuthorizationParams ? { extraParams: p.provider.deviceAuthorizationParams } : {}),
    ...(p.provider.deviceResponseAliases ? { responseAliases: p.provider.deviceResponseAliases } : {}),
    headers: p.provider.oauthHeaders,
    ...(deps.signal ? { signal: deps.signal } : {}),
  });
  deps.rememberSecret(auth.deviceCode);
  const code = { userCode: auth.userCode, verificationUri: auth.verificationUri, ...(auth.verificationUriComplete ? { verificationUriComplete: auth.verificationUriComplete } : {}) };
  const stopShowing = await ui.showDeviceCode(code, p.endpoints.host, p.openBrowser);
  const waiting = ui.waiting('Waiting for authorization in the browser…');
  try {
    const response = await pollForDeviceToken(http, {
      tokenEndpoint: p.endpoints.token,
      client,
      sendSecret: p.provider.secretOnEveryTokenRequest,
      authorization: auth,
      headers: p.provider.oauthHeaders,
      ...(deps.signal ? { signal: deps.signal } : {}),
    });
    return { tokens: tokenSetFrom(response, new Date(), p.scopes), ...(response.id_token ? { idToken: response.id_token } : {}) };
  } finally {
    waiting.stop();
    stopShowing();
  }
}
