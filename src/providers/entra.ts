// Microsoft Entra ID (the Microsoft identity platform's v2.0 endpoints): an OpenID Connect issuer
// per tenant, https://login.microsoftonline.com/<tenant>/v2.0. Quirks kept here:
// - `--tenant` picks the authority: a tenant id or domain, `organizations` (work and school
//   accounts of any directory), `common` (those and personal accounts) or `consumers`. The
//   multi-tenant ones name a templated issuer, https://login.microsoftonline.com/{tenantid}/v2.0:
//   an ID token's `iss` must be that template with its own `tid` (a GUID) put in, and `tid` is part
//   of the account's key, since a `sub` means a user only within its tenant
//   (learn.microsoft.com/entra/identity-platform/access-tokens#validate-the-issuer). After the
//   sign-in the account's own tenant (`tid`) is remembered and used;
// - a public client ("Mobile and desktop applications" platform, redirect URI
//   http://127.0.0.1/callback: the port is ignored but the path counts,
//   learn.microsoft.com/entra/identity-platform/reply-url#localhost-exceptions) signs in with
//   PKCE and no secret; the device flow needs "Allow public client flows";
// - no forced consent: `prompt=consent` makes Entra ask every user, and users who may not consent
//   themselves see "Need admin approval"; `offline_access` brings a refresh token without it;
// - one access token is for one resource (API): scopes of two resources in one request are
//   refused (AADSTS28000), so a scope of another API replaces Microsoft Graph's `User.Read`
//   default; userinfo (at Microsoft Graph) answers only Graph tokens, so for other APIs who
//   signed in comes from the ID token;
// - refresh tokens rotate; there is no revocation endpoint for this client: sessions end at
//   https://myaccount.microsoft.com or by an administrator (Revoke-MgUserSignInSession).
import { failure, usageError, type AppError } from '../errors.js';
import { isLoopbackHost, originFor } from '../http/insecure-hosts.js';
import type { OAuthError } from '../oauth/errors.js';
import { openIdProvider } from './oidc.js';

/** The authority hosts of Microsoft's clouds and their Microsoft Graph (learn.microsoft.com/graph/deployments). */
const CLOUDS: Readonly<Record<string, { graph: string; arm?: string }>> = {
  'login.microsoftonline.com': { graph: 'https://graph.microsoft.com', arm: 'https://management.azure.com' },
  'login.microsoftonline.us': { graph: 'https://graph.microsoft.us', arm: 'https://management.usgovcloudapi.net' },
  'login.chinacloudapi.cn': { graph: 'https://microsoftgraph.chinacloudapi.cn', arm: 'https://management.chinacloudapi.cn' },
};

const TEMPLATE = '{tenantid}';
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** The scopes of OpenID Connect itself, which go with any one resource's. */
const OIDC_SCOPES = ['openid', 'profile', 'email', 'offline_access'];
/** Microsoft Graph's permission to read the signed-in user: what `whoami` and `api /me` need. */
const GRAPH_DEFAULT = 'User.Read';

/** A tenant as `--tenant` takes it: an alias, a tenant id (GUID) or a verified domain; it goes into URLs. */
export function checkTenant(tenant: string): string {
  const t = tenant.trim().toLowerCase();
  if (['common', 'organizations', 'consumers'].includes(t) || GUID.test(t)) return t;
  if (/^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+$/.test(t)) return t;
  throw usageError(`invalid --tenant '${tenant}' (a tenant id, a domain such as contoso.onmicrosoft.com, or organizations, common, consumers)`, 'bad_tenant');
}

/** The authority's origin: a Microsoft cloud's, or a loopback test server's. */
function authorityOrigin(host: string): string {
  if (!CLOUDS[host] && !isLoopbackHost(host)) {
    throw usageError(`${host} is not a Microsoft Entra authority (known: ${Object.keys(CLOUDS).join(', ')})`, 'bad_hostname');
  }
  return originFor(host);
}

/**
 * The resource (API) a scope belongs to: the part before its last "/" for a URI
 * (`https://management.azure.com/user_impersonation`, `api://<app id>/access`), Microsoft Graph
 * for a bare name (`User.Read` means `https://graph.microsoft.com/User.Read`); none for OpenID Connect's own.
 */
export function resourceOf(scope: string): string | undefined {
  if (OIDC_SCOPES.includes(scope)) return undefined;
  const slash = scope.lastIndexOf('/');
  if (slash <= 0) return 'https://graph.microsoft.com';
  const resource = scope.slice(0, slash).replace(/\/+$/, '').toLowerCase();
  return resource === '00000003-0000-0000-c000-000000000000' ? 'https://graph.microsoft.com' : resource;
}

/** `openid profile email offline_access` and the scopes asked for, plus Graph's User.Read when they are all Graph's. */
export function entraScopes(asked: string[] | undefined): string[] {
  if (!asked?.length) return [...OIDC_SCOPES, GRAPH_DEFAULT];
  const resources = new Set(asked.map(resourceOf).filter((r) => r !== undefined));
  const graphOnly = [...resources].every((r) => r === 'https://graph.microsoft.com');
  return [...new Set([...OIDC_SCOPES, ...(graphOnly ? [GRAPH_DEFAULT] : []), ...asked])];
}

/** Entra's error descriptions start with their AADSTS number; those with a known remedy, in words. */
function explain(error: OAuthError, context: { host: string; clientId: string }): AppError | undefined {
  const text = `${error.description ?? ''} ${error.message}`;
  const code = /AADSTS(\d+)/.exec(text)?.[1];
  const say = (message: string) => failure(message, { code: error.code, cause: error });
  switch (code) {
    case '28000':
    case '700022':
      return say(
        'Microsoft Entra ID refused the scopes: they name more than one resource (AADSTS' + code + '). An access token is for one API; ' +
          'sign in once per API, e.g. oauthcli login entra -s https://management.azure.com/user_impersonation (Microsoft Graph\'s User.Read is then left out).',
      );
    case '70011':
      return say(`Microsoft Entra ID refused a scope as not valid (AADSTS70011). Check its spelling, that the API exists in this tenant, and that one request names scopes of one API only.`);
    case '50194':
      return say(`the app ${context.clientId} accepts accounts of its own directory only (AADSTS50194): sign in with --tenant <its tenant id or domain>, or set OAUTHCLI_ENTRA_TENANT.`);
    case '7000218':
      return say(`the app ${context.clientId} is not a public client (AADSTS7000218): turn on "Allow public client flows" under Authentication in its app registration.`);
    case '65001':
      return say(`the app ${context.clientId} has not been given consent for these permissions (AADSTS65001): an administrator can grant it under API permissions.`);
    case '700016':
      return say(`the directory does not know the app ${context.clientId} (AADSTS700016): check OAUTHCLI_ENTRA_CLIENT_ID and --tenant.`);
    default:
      break;
  }
  // The user chose "Cancel" on the device code page (learn.microsoft.com/entra/identity-platform/v2-oauth2-device-code#expected-errors).
  if (error.code === 'authorization_declined') return say('The sign-in was declined in the browser.');
  return undefined;
}

export const entra = openIdProvider({
  name: 'entra',
  displayName: 'Microsoft Entra ID',
  defaultHost: 'login.microsoftonline.com',
  // Microsoft's other clouds, and a loopback test server.
  multiHost: true,
  tenancy: {
    // For an app registered for "Accounts in any organizational directory", as Azure CLI's is;
    // a single-tenant app needs its own tenant (--tenant, OAUTHCLI_ENTRA_TENANT or the config).
    default: 'organizations',
    check: checkTenant,
  },
  issuerFor: (host, tenant = 'organizations') => `${authorityOrigin(host)}/${checkTenant(tenant)}/v2.0`,
  templatedIssuer: {
    // The multi-tenant documents name the template; `consumers` and a domain name the tenant's own issuer.
    accept: (named, host) => {
      const origin = authorityOrigin(host);
      return named === `${origin}/${TEMPLATE}/v2.0` || (named.startsWith(`${origin}/`) && named.endsWith('/v2.0') && GUID.test(named.slice(origin.length + 1, -'/v2.0'.length)));
    },
    // "Validate that the tid claim is a GUID and the iss claim is of the form
    // https://login.microsoftonline.com/{tid}/v2.0 where {tid} is the exact tid claim."
    idTokenIssuer: (discovered, claims) => {
      const tid = claims.tid;
      if (typeof tid !== 'string' || !GUID.test(tid)) return discovered.includes(TEMPLATE) ? undefined : discovered;
      const issuer = discovered.replace(TEMPLATE, tid);
      return issuer.endsWith(`/${tid}/v2.0`) ? issuer : undefined;
    },
    // "Keys that have a templated issuer value … should only be used when the iss claim in the
    // token matches this value after substituting the tid claim"; others only on an exact match
    // (access-tokens#validation-of-the-signing-key-issuer). A key without one signs for anyone.
    keyAccepts: (key, claims) => {
      if (typeof key.issuer !== 'string') return true;
      const tid = typeof claims.tid === 'string' ? claims.tid : '';
      return (key.issuer.includes(TEMPLATE) ? key.issuer.replace(TEMPLATE, tid) : key.issuer) === claims.iss;
    },
  },
  defaultScopes: entraScopes(undefined),
  // Userinfo lives at Microsoft Graph and answers Graph tokens only (learn.microsoft.com/entra/identity-platform/userinfo).
  userinfoAccepts: (tokens) => tokens.scopes.every((scope) => [undefined, 'https://graph.microsoft.com'].includes(resourceOf(scope))),
  scopesFor: entraScopes,
  envName: 'ENTRA',
  webFlowNeedsSecret: false,
  authorizationParams: ({ addingAccount }): Record<string, string> => (addingAccount ? { prompt: 'select_account' } : {}),
  api: (host) => {
    if (isLoopbackHost(host)) return { base: `${originFor(host)}/v1.0`, origins: [originFor(host)] };
    const cloud = CLOUDS[host]!;
    return { base: `${cloud.graph}/v1.0`, origins: [cloud.graph, ...(cloud.arm ? [cloud.arm] : [])] };
  },
  explainOAuthError: explain,
  noRevocation: true,
  signOutElsewhere:
    'Microsoft Entra ID has no revocation endpoint for this app, so its refresh token stays valid until it expires or your sessions are revoked: ' +
    'sign out everywhere at https://myaccount.microsoft.com, or an administrator runs Revoke-MgUserSignInSession',
  registerAppHelp: () =>
    'Register an app at https://entra.microsoft.com (App registrations → New registration), add the platform "Mobile and desktop applications" ' +
    'with the redirect URI http://127.0.0.1/callback, turn on "Allow public client flows" for the device flow, then set OAUTHCLI_ENTRA_CLIENT_ID to its ' +
    'Application (client) ID (and OAUTHCLI_ENTRA_TENANT to its tenant for a single-tenant app).',
  revokeByHandUrl: () => 'https://myaccount.microsoft.com',
});
