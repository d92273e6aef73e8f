// Google: an OpenID Connect issuer (endpoints from its discovery document). Quirks kept here:
// - "Desktop app" clients need their client secret at the code exchange and refresh;
// - the device flow works only with a client of type "TVs and Limited Input devices", whose
//   secret goes with every poll (developers.google.com/identity/protocols/oauth2/limited-input-device):
//   a separate client, configured as OAUTHCLI_GOOGLE_DEVICE_CLIENT_ID/_SECRET;
// - a refresh token comes with access_type=offline. prompt=consent forces a new one on every
//   sign-in, and Google keeps only so many per client and user (the oldest stop working), so
//   consent is asked only when a sign-in brought no refresh token
//   (developers.google.com/identity/protocols/oauth2/native-app, "Refresh token expiration");
// - refresh tokens do not rotate; ID tokens carry iss "https://accounts.google.com" or
//   "accounts.google.com"; its APIs live on *.googleapis.com;
// - the device authorization answer names the address verification_url, and a revocation of a
//   token that is gone already is answered 400 invalid_token (nonstandard-answers.ts).
import { originFor } from '../http/insecure-hosts.js';
import { DRAFT_DEVICE_FIELDS, invalidTokenMeansGone } from './nonstandard-answers.js';
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
  deviceClient: 'separate',
  deviceResponseAliases: DRAFT_DEVICE_FIELDS,
  revokedAlready: invalidTokenMeansGone,
  refreshTokenNeedsConsent: true,
  authorizationParams: ({ consent }) => ({ access_type: 'offline', ...(consent ? { prompt: 'consent' } : {}) }),
  api: (host, issuer) =>
    host === 'accounts.google.com'
      ? { base: 'https://www.googleapis.com', origins: ['https://*.googleapis.com'] }
      : { base: new URL(issuer).origin, origins: [new URL(issuer).origin] },
  registerAppHelp: () =>
    'Create an OAuth client ID of type "Desktop app" at https://console.cloud.google.com/apis/credentials, ' +
    'then set OAUTHCLI_GOOGLE_CLIENT_ID and OAUTHCLI_GOOGLE_CLIENT_SECRET. For the device flow (SSH, CI), also create one of type ' +
    '"TVs and Limited Input devices" and set OAUTHCLI_GOOGLE_DEVICE_CLIENT_ID and OAUTHCLI_GOOGLE_DEVICE_CLIENT_SECRET.',
  revokeByHandUrl: () => 'https://myaccount.google.com/connections',
});
