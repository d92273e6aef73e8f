// Any OpenID Connect issuer: endpoints from discovery, the profile from the validated ID token
// (the one of this sign-in, or the one kept from the last) and, where it answers, the userinfo
// endpoint; RFC 7009 revocation where the issuer advertises it. Google is one of
// these with a few settings; issuers added with `oauthcli provider add` are others.
import { AppError, failure, usageError } from '../errors.js';
import type { HttpClient } from '../http/client.js';
import { hasSecureScheme } from '../http/insecure-hosts.js';
import { discoverIssuer } from '../oauth/discovery.js';
import { clientAuth, pickSecretMethod } from '../oauth/client-auth.js';
import { revokeTokenSet, type RevocationRequest } from '../oauth/revoke.js';
import { getWithToken } from './api.js';
import { DRAFT_DEVICE_FIELDS, invalidTokenMeansGone } from './nonstandard-answers.js';
import type { TokenSet } from '../token-set.js';
import { checkApiBase, checkParams, checkPrompt, checkRedirectUri } from './oidc-settings.js';
import type { Credentials, Endpoints, Profile, Provider, Tenancy } from './types.js';

export interface OidcSpec {
  name: string;
  displayName: string;
  defaultHost: string;
  multiHost: boolean;
  /** The issuer identifier for a host (and tenant, with `tenancy`): where discovery is read. */
  issuerFor(host: string, tenant?: string): string;
  /** Extra `iss` spellings an ID token may carry. */
  extraIssuers?: string[];
  tenancy?: Tenancy;
  /**
   * A multi-tenant authority: whether a discovery document naming `named` (not the URL it was
   * read from) describes it, and the `iss` an ID token must then carry, from its claims.
   */
  templatedIssuer?: {
    accept(named: string, host: string): boolean;
    idTokenIssuer(discovered: string, claims: Record<string, unknown>): string | undefined;
    /** Whether a key of the key set may sign for the token's issuer (its `issuer` member, where it has one). */
    keyAccepts?(key: Record<string, unknown>, claims: Record<string, unknown>): boolean;
  };
  scopesFor?: Provider['scopesFor'];
  /**
   * Whether the userinfo endpoint serves this token (Entra's, at Microsoft Graph, serves Graph
   * tokens only); false: who signed in comes from the ID token kept with it. Default: it does.
   */
  userinfoAccepts?(tokens: TokenSet): boolean;
  explainOAuthError?: Provider['explainOAuthError'];
  deviceResponseAliases?: Provider['deviceResponseAliases'];
  /** An answer to a revocation, other than RFC 7009's 200, by which the issuer says the token is gone already. */
  revokedAlready?: RevocationRequest['alreadyGone'];
  signOutElsewhere?: string;
  /** The issuer advertises a revocation endpoint that this client cannot use, or none: no `revoke`. */
  noRevocation?: boolean;
  defaultScopes: string[];
  envName: string;
  webFlowNeedsSecret: boolean;
  authorizationParams?: Provider['authorizationParams'];
  deviceAuthorizationParams?: Record<string, string>;
  redirectUri?: string;
  fixedRedirectHelp?: Provider['fixedRedirectHelp'];
  refreshTokenNeedsConsent?: boolean;
  deviceClient?: Provider['deviceClient'];
  /** The REST API base and the origins a token may be sent to by `oauthcli api` (default: the issuer's origin). */
  api?(host: string, issuer: string): { base: string; origins: string[] };
  credentials?: Credentials;
  registerAppHelp(host: string): string;
  revokeByHandUrl?(endpoints: Endpoints): string;
}

export function openIdProvider(spec: OidcSpec): Provider {
  /** The ID token's claims, validated (OIDC Core §3.1.3.7, and §12.2 for a refreshed one). */
  async function validated(http: HttpClient, endpoints: Endpoints, clientId: string | undefined, idToken: string, extra: { nonce?: string; previous?: string; signal?: AbortSignal }): Promise<Record<string, unknown>> {
    if (!endpoints.jwksUri || !clientId) throw failure(`cannot validate the ID token from ${endpoints.issuer}: no jwks_uri or client id`, { code: 'invalid_id_token' });
    // jose loads only for a sign-in or refresh that brings an ID token, never at a command's start.
    const { claimsOf, validateIdToken } = await import('../oauth/id-token.js');
    const previous = extra.previous === undefined ? undefined : claimsOf(extra.previous);
    const templated = spec.templatedIssuer;
    return validateIdToken(http, {
      idToken,
      issuer: [endpoints.issuer, ...(spec.extraIssuers ?? [])],
      ...(templated ? { issuerFromClaims: (claims) => templated.idTokenIssuer(endpoints.issuer, claims) } : {}),
      ...(templated?.keyAccepts ? { keyAccepts: templated.keyAccepts } : {}),
      clientId,
      jwksUri: endpoints.jwksUri,
      ...(extra.nonce !== undefined ? { nonce: extra.nonce } : {}),
      ...(previous ? { previous } : {}),
      ...(extra.signal ? { signal: extra.signal } : {}),
    });
  }

  return {
    name: spec.name,
    displayName: spec.displayName,
    defaultHost: spec.defaultHost,
    multiHost: spec.multiHost,
    defaultScopes: spec.defaultScopes,
    envName: spec.envName,
    webFlowNeedsSecret: spec.webFlowNeedsSecret,
    secretOnEveryTokenRequest: true,
    oauthHeaders: { accept: 'application/json' },
    openIdConnect: true,
    identity: 'subject',
    deviceClient: spec.deviceClient ?? 'same',
    ...(spec.refreshTokenNeedsConsent ? { refreshTokenNeedsConsent: true } : {}),
    ...(spec.authorizationParams ? { authorizationParams: spec.authorizationParams } : {}),
    ...(spec.deviceAuthorizationParams ? { deviceAuthorizationParams: spec.deviceAuthorizationParams } : {}),
    ...(spec.redirectUri ? { redirectUri: spec.redirectUri } : {}),
    ...(spec.fixedRedirectHelp ? { fixedRedirectHelp: spec.fixedRedirectHelp } : {}),
    ...(spec.credentials ? { credentials: spec.credentials } : {}),
    ...(spec.tenancy ? { tenancy: spec.tenancy } : {}),
    ...(spec.scopesFor ? { scopesFor: spec.scopesFor } : {}),
    ...(spec.explainOAuthError ? { explainOAuthError: spec.explainOAuthError } : {}),
    ...(spec.deviceResponseAliases ? { deviceResponseAliases: spec.deviceResponseAliases } : {}),
    ...(spec.signOutElsewhere ? { signOutElsewhere: spec.signOutElsewhere } : {}),
    registerAppHelp: spec.registerAppHelp,

    async endpoints(host, http, signal, tenant) {
      const templated = spec.templatedIssuer;
      const meta = await discoverIssuer(http, spec.issuerFor(host, tenant ?? spec.tenancy?.default), signal, templated ? { acceptIssuer: (named) => templated.accept(named, host) } : {});
      const api = spec.api?.(host, meta.issuer) ?? { base: new URL(meta.issuer).origin, origins: [new URL(meta.issuer).origin] };
      const endpoints: Endpoints = {
        host,
        issuer: meta.issuer,
        authorize: meta.authorization_endpoint,
        token: meta.token_endpoint,
        api: api.base,
        apiOrigins: api.origins,
        clientAuthMethod: pickSecretMethod(meta.token_endpoint_auth_methods_supported),
      };
      if (meta.authorization_response_iss_parameter_supported === true) endpoints.issuerParamRequired = true;
      if (Array.isArray(meta.code_challenge_methods_supported)) endpoints.pkceMethods = meta.code_challenge_methods_supported.filter((m) => typeof m === 'string');
      if (meta.device_authorization_endpoint) endpoints.deviceAuthorization = meta.device_authorization_endpoint;
      if (meta.revocation_endpoint) endpoints.revocation = meta.revocation_endpoint;
      if (meta.userinfo_endpoint) endpoints.userinfo = meta.userinfo_endpoint;
      if (meta.jwks_uri) endpoints.jwksUri = meta.jwks_uri;
      return endpoints;
    },

    async fetchProfile(http, { endpoints, tokens, clientId, idToken, nonce, signal }) {
      let claims: Record<string, unknown> = {};
      let fromIdToken = false;
      if (idToken) {
        claims = await validated(http, endpoints, clientId, idToken, { ...(nonce !== undefined ? { nonce } : {}), ...(signal ? { signal } : {}) });
        fromIdToken = true;
      } else if (tokens.idToken) {
        // Validated when it arrived (sign-in or refresh) and kept in the keychain since.
        const { claimsOf } = await import('../oauth/id-token.js');
        claims = { ...claimsOf(tokens.idToken) };
        fromIdToken = typeof claims.sub === 'string';
      }
      // A token the provider knows is for another API than userinfo's is not shown to userinfo.
      const forUserinfo = spec.userinfoAccepts?.(tokens) !== false;
      let answered = false;
      if (endpoints.userinfo && (forUserinfo || !fromIdToken)) {
        try {
          const { body } = await getWithToken<Record<string, unknown>>(http, endpoints.userinfo, tokens.accessToken, { signal });
          // OIDC Core §5.3.2: userinfo's sub must be the ID token's.
          if (claims.sub !== undefined && body.sub !== claims.sub) throw failure(`${endpoints.host}'s userinfo describes another user than the ID token`, { code: 'invalid_id_token' });
          claims = { ...claims, ...body };
          answered = true;
        } catch (error) {
          // At sign-in, a token issued this moment that userinfo refuses is one for another API
          // (an audience or resource asked for): who signed in is the ID token's to say. Later, a
          // refusal means the token is dead, unless it is for another API (above).
          if (!(idToken && error instanceof AppError && (error.code === 'bad_credentials' || error.code === 'http_403'))) throw error;
        }
      }
      if (typeof claims.sub !== 'string') throw failure(`${endpoints.host} told us nothing about who signed in (no ID token, no userinfo)`, { code: 'malformed_response' });
      const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : null);
      const profile: Profile = {
        login: str(claims.preferred_username) ?? str(claims.email) ?? claims.sub,
        id: claims.sub,
        name: str(claims.name),
        email: str(claims.email),
        url: str(claims.profile),
      };
      const tenant = str(claims.tid);
      if (tenant) profile.tenant = tenant;
      if (!idToken && !answered) profile.from = 'id-token';
      return profile;
    },

    async checkRefreshedIdToken(http, { endpoints, clientId, idToken, previous, subject, signal }) {
      const claims = await validated(http, endpoints, clientId, idToken, { ...(previous ? { previous } : {}), ...(signal ? { signal } : {}) });
      // No earlier ID token kept (an account signed in before they were): the account's subject.
      if (!previous && claims.sub !== subject) throw failure(`the refreshed ID token from ${endpoints.issuer} is not valid: it is about another user than the sign-in's`, { code: 'invalid_id_token' });
    },

    revokeByHandUrl(endpoints) {
      return spec.revokeByHandUrl?.(endpoints) ?? endpoints.issuer;
    },

    ...(spec.noRevocation
      ? {}
      : {
          async revoke(http, req) {
            const endpoint = req.endpoints.revocation;
            if (!endpoint) throw failure(`${req.endpoints.issuer} does not advertise a revocation endpoint`, { code: 'no_revocation' });
            const client = clientAuth(req.clientId, req.clientSecret, req.endpoints.clientAuthMethod);
            await revokeTokenSet(http, {
              endpoint,
              client,
              tokens: req.tokens,
              ...(req.signal ? { signal: req.signal } : {}),
              ...(spec.revokedAlready ? { alreadyGone: spec.revokedAlready } : {}),
            });
          },
        }),
  };
}

/** An added issuer as the config holds it (the store's AddedIssuer); checked again here, since a person may edit the file. */
export interface CustomProviderConfig {
  issuer: string;
  clientId: string;
  clientSecret?: string;
  scopes?: string[];
  redirectUri?: string;
  params?: Record<string, string>;
  prompt?: string;
  offlineAccess?: boolean;
  apiBase?: string;
}

/** An issuer added with `oauthcli provider add`: every difference from plain OpenID Connect is a setting here. */
export function customProvider(name: string, config: CustomProviderConfig): Provider {
  const issuer = checkIssuerUrl(config.issuer);
  const host = new URL(issuer).host;
  // offline_access only where the issuer says it knows it (scopes_supported): Cognito refuses
  // the request with invalid_scope and issues refresh tokens without it. A config written before
  // this setting existed keeps asking for it.
  const defaultScopes = config.scopes?.length ? config.scopes : ['openid', 'profile', 'email', ...(config.offlineAccess === false ? [] : ['offline_access'])];
  const params = config.params ? checkParams(config.params) : {};
  const prompt = config.prompt ? checkPrompt(config.prompt) : undefined;
  // No prompt=consent unless asked: OpenID Connect Core §11 lets an issuer drop offline_access
  // without it, yet forcing it shows every user a consent screen (Entra: "Need admin approval").
  const authorization = { ...params, ...(prompt ? { prompt } : {}) };
  const apiBase = config.apiBase ? checkApiBase(config.apiBase) : undefined;
  const settingsHint = `oauthcli provider set ${name}`;
  return openIdProvider({
    name,
    displayName: name,
    defaultHost: host,
    multiHost: false,
    issuerFor: () => issuer,
    defaultScopes,
    ...(Object.keys(authorization).length ? { authorizationParams: () => authorization } : {}),
    ...(Object.keys(params).length ? { deviceAuthorizationParams: params } : {}),
    ...(config.redirectUri ? { redirectUri: checkRedirectUri(config.redirectUri) } : {}),
    fixedRedirectHelp: (port) => `${settingsHint} --redirect-port ${port}`,
    ...(apiBase
      ? { api: (_host: string, issuerId: string) => ({ base: apiBase, origins: [...new Set([new URL(issuerId).origin, new URL(apiBase).origin])] }) }
      : {}),
    envName: name.toUpperCase().replace(/[^A-Z0-9]/g, '_'),
    webFlowNeedsSecret: false,
    // Any server at all: Google's nonstandard answers are read as the RFCs' here too.
    deviceResponseAliases: DRAFT_DEVICE_FIELDS,
    revokedAlready: invalidTokenMeansGone,
    credentials: { clientId: config.clientId, ...(config.clientSecret ? { clientSecret: config.clientSecret } : {}) },
    registerAppHelp: () => `Update it with: ${settingsHint} --client-id <id>`,
  });
}

/**
 * An issuer URL must be https, or http on a loopback address, without query or fragment. It is
 * kept exactly as given: OIDC Discovery §4.3 compares it character for character with the
 * document's `issuer`, and some issuers' identifiers end in "/" (Auth0's `https://TENANT.auth0.com/`).
 */
export function checkIssuerUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw usageError(`'${text}' is not a URL`, 'bad_issuer');
  }
  if (!hasSecureScheme(url)) {
    throw usageError(`the issuer must use https (plain http is allowed only on loopback addresses): ${text}`, 'bad_issuer');
  }
  if (url.search || url.hash || text.includes('?') || text.includes('#')) throw usageError(`an issuer URL has no query or fragment: ${text}`, 'bad_issuer');
  if (url.username || url.password) throw usageError(`an issuer URL has no user name or password: ${text}`, 'bad_issuer');
  return text.trim();
}

/** What an issuer offers, read from its discovery document: for `provider add` to say and to remember. */
export interface IssuerOffer {
  device: boolean;
  revocation: boolean;
  /** Whether `offline_access` is in its scopes_supported. */
  offlineAccess: boolean;
}

export async function issuerOffer(http: Parameters<typeof discoverIssuer>[0], issuer: string, signal?: AbortSignal): Promise<IssuerOffer> {
  const meta = await discoverIssuer(http, issuer, signal);
  return {
    device: Boolean(meta.device_authorization_endpoint),
    revocation: Boolean(meta.revocation_endpoint),
    offlineAccess: Array.isArray(meta.scopes_supported) && meta.scopes_supported.includes('offline_access'),
  };
}
