// Google: an OpenID Connect issuer (endpoints from its discovery document). Quirks kept here:
// - "Desktop app" clients need their client secret at the code exchange and refresh, and the
//   device flow only works with "TVs and Limited Input devices" clients;
// - a refresh token comes only with access_type=offline (and again on later sign-ins only with
//   prompt=consent); refresh tokens do not rotate;
// - ID tokens carry iss "https://accounts.google.com" or "accounts.google.com".
import { originFor } from '../http/loopback.js';
import { openIdProvider } from './oidc.js';

export const google = openIdProvider({
  name: 'google',
  displayName: 'Google',
  defaultHost: 'accounts.google.com',
  // --hostname points at a Google-compatible issuer; the tests use a local one.
  multiHost: true,
  issuerFor: (host) => originFor(host),
  extraIssuers: ['accounts.google.com'],
  defaultScopes: ['openid', 'email', 'profile'],
  envName: 'GOOGLE',
  webFlowNeedsSecret: true,
  authorizationParams: { access_type: 'offline', prompt: 'consent' },
  registerAppHelp: () =>
    'Create an OAuth client ID of type "Desktop app" at https://console.cloud.google.com/apis/credentials ' +
    '(or "TVs and Limited Input devices" for the device flow), then set OAUTHCLI_GOOGLE_CLIENT_ID and OAUTHCLI_GOOGLE_CLIENT_SECRET.',
  revokeByHandUrl: () => 'https://myaccount.google.com/connections',
});
