// What a provider is: data (hosts, endpoints, scopes, what its flows need) plus the few small
// functions no standard covers (profile lookup, revocation, repositories). Nothing here knows
// about accounts on disk or about the terminal.
import type { AppError, ErrorCode } from '../errors.js';
import type { HttpClient } from '../http/client.js';
import type { JsonItems } from '../http/json-items.js';
import type { ResponseTimeBudget } from '../http/response-time-budget.js';
import type { ClientAuth } from '../oauth/client-auth.js';
import type { OAuthError } from '../oauth/errors.js';
import type { TokenSet } from '../token-set.js';

export interface Endpoints {
  /** The host as the user named it: `github.com`, `ghe.example.com`, `127.0.0.1:PORT`. */
  host: string;
  /** The expected `iss` of authorization responses (RFC 9207) and of ID tokens. */
  issuer: string;
  authorize: string;
  token: string;
  /** Absent when the provider offers no device flow. */
  deviceAuthorization?: string;
  /** RFC 7009 revocation endpoint, where the provider has one. */
  revocation?: string;
  userinfo?: string;
  jwksUri?: string;
  /** Base URL of the REST API, without a trailing slash (the issuer for plain OIDC). */
  api: string;
  /** The GraphQL endpoint, where the provider has one (`oauthcli api graphql`). */
  graphql?: string;
  /** How a confidential client sends its secret here (from discovery for OIDC issuers). */
  clientAuthMethod: ClientAuth['method'];
  /** RFC 9207 §3: the issuer always sends `iss` with its authorization responses; one without it is refused. */
  issuerParamRequired?: boolean;
  /** The PKCE methods the issuer advertises (code_challenge_methods_supported), when it says. */
  pkceMethods?: string[];
  /** Origins (scheme://host[:port]) the provider owns, to which `oauthcli api` may send the account's token. */
  apiOrigins: string[];
}

export interface Profile {
  login: string;
  id: string;
  name: string | null;
  email: string | null;
  url: string | null;
  /** Scopes the provider reports for this token, when it says (GitHub's X-OAuth-Scopes). */
  scopes?: string[];
  /** The directory the user signed in through, where the provider has several (Entra's `tid`). */
  tenant?: string;
  /**
   * Where the identity came from when the provider could not be asked about this token: the ID
   * token kept from the sign-in or the latest refresh (a token for another API than userinfo's).
   */
  from?: 'id-token';
}

export interface ProfileRequest {
  endpoints: Endpoints;
  tokens: TokenSet;
  clientId: string | undefined;
  /** From the token response at sign-in: validated here (`tokens.idToken` is one validated before). */
  idToken?: string;
  /** The nonce sent in the authorization request. */
  nonce?: string;
  signal?: AbortSignal;
}

export interface RevokeRequest {
  endpoints: Endpoints;
  clientId: string;
  clientSecret: string | undefined;
  tokens: TokenSet;
  signal?: AbortSignal;
}

export interface RefreshedIdTokenCheck {
  endpoints: Endpoints;
  clientId: string;
  /** The ID token in the refresh answer. */
  idToken: string;
  /** The ID token it replaces, when one is kept. */
  previous?: string;
  /** The account's subject (`sub`), when no earlier ID token is kept. */
  subject: string;
  signal?: AbortSignal;
}

/** Providers whose users sign in through one of several directories (Entra's tenants). */
export interface Tenancy {
  /** What `--tenant` means when not given (and no OAUTHCLI_<ENV>_TENANT or config setting names one). */
  default: string;
  /** The tenant as given, checked (it goes into URLs); a usage error otherwise. */
  check(tenant: string): string;
}

export interface Credentials {
  clientId?: string;
  clientSecret?: string;
}

export interface Provider {
  name: string;
  displayName: string;
  defaultHost: string;
  /** Whether --hostname may pick another host (GitHub Enterprise, self-managed GitLab, a test server). */
  multiHost: boolean;
  defaultScopes: string[];
  /** `OAUTHCLI_<ENV>_CLIENT_ID` / `_CLIENT_SECRET`. */
  envName: string;
  /**
   * Another tool's variables honoured after OAUTHCLI_<ENV>_TOKEN / _HOST (GitHub: gh's, as `gh help
   * environment` describes them): `host` names the default host; the first set of `tokens` is a
   * token for `defaultHost`, the first set of `enterpriseTokens` one for the host `host` names
   * when that is another host.
   */
  foreignEnv?: { host: string; tokens: readonly string[]; enterpriseTokens: readonly string[] };
  /** Whether the browser flow's code exchange needs a client secret. */
  webFlowNeedsSecret: boolean;
  /** Whether a configured client secret is sent on every token request (confidential clients), or only where required. */
  secretOnEveryTokenRequest: boolean;
  /** Headers every OAuth endpoint request carries (GitHub answers form-encoded without Accept). */
  oauthHeaders: Record<string, string>;
  /**
   * Extra authorization-request parameters: Google's access_type=offline, GitHub's
   * prompt=select_account when another account of the host is already signed in.
   */
  authorizationParams?(context: { addingAccount: boolean; consent: boolean }): Record<string, string>;
  /**
   * A fixed loopback redirect URI, for servers that compare redirect URIs as exact strings
   * (glewlwyd, dex, kanidm): the listener takes its port and path, and the authorization request
   * sends exactly this. Absent: a port the OS picks (RFC 8252 §7.3).
   */
  redirectUri?: string;
  /** Extra device-authorization parameters (Auth0's audience, RFC 8707's resource). */
  deviceAuthorizationParams?: Record<string, string>;
  /** How to make the redirect URI fixed, for the user told that the server refused it. */
  fixedRedirectHelp?(port: number): string;
  /**
   * When a browser sign-in brings no refresh token, sign in once more with consent asked
   * (Google gives one again only then; asking every time mints a new one per sign-in).
   */
  refreshTokenNeedsConsent?: boolean;
  /** Whether the device flow needs a client of its own (Google: a "TVs and Limited Input devices" client). */
  deviceClient: 'same' | 'separate';
  /** OpenID Connect: send a nonce and validate the ID token. */
  openIdConnect: boolean;
  /** What identifies a user: the login, or the issuer's `sub` for OpenID Connect (OIDC Core §5.7). */
  identity: 'login' | 'subject';
  /** What a provider's own OAuth error codes mean, in words (GitHub's 404 for an unknown client id). */
  explainOAuthError?(error: OAuthError, context: { host: string; clientId: string }): AppError | undefined;
  /**
   * The provider's own error codes, besides RFC 6749's, by which it refuses a refresh for good:
   * the refresh token is dead and the user must sign in again (GitHub's bad_refresh_token).
   */
  refreshRefusals?: readonly ErrorCode[];
  /**
   * Fields of its device authorization answer the provider names otherwise than RFC 8628, its
   * name → the RFC's (Google's verification_url, after a draft of the RFC).
   */
  deviceResponseAliases?: Readonly<Record<string, string>>;
  /** Credentials the provider's own configuration carries (custom OIDC providers). */
  credentials?: Credentials;
  /** How to register an OAuth app for this provider; shown when no client id is configured. */
  registerAppHelp(host: string): string;
  /** Present when the provider has tenants: `login --tenant`, remembered with the account (`AccountMeta.tenant`). */
  tenancy?: Tenancy;
  /** The endpoints for a host (and tenant, for a provider with `tenancy`). */
  endpoints(host: string, http: HttpClient, signal?: AbortSignal, tenant?: string): Promise<Endpoints>;
  /**
   * The scopes a sign-in asks for, given those the user named (undefined: none), where the
   * provider combines them with its defaults in its own way (Entra: one resource per request).
   */
  scopesFor?(asked: string[] | undefined): string[];
  /** Validates an ID token a refresh brought (OIDC Core §12.2); throws `invalid_id_token` when it is not. */
  checkRefreshedIdToken?(http: HttpClient, check: RefreshedIdTokenCheck): Promise<void>;
  /**
   * Where the user ends their sessions when the provider offers no revocation to this client:
   * said by `logout` and `revoke`.
   */
  signOutElsewhere?: string;
  fetchProfile(http: HttpClient, req: ProfileRequest): Promise<Profile>;
  /** Where a user can revoke the app's access by hand. */
  revokeByHandUrl(endpoints: Endpoints, clientId: string): string;
  /** Revokes the token at the provider; absent when the provider offers no way. */
  revoke?(http: HttpClient, req: RevokeRequest): Promise<void>;
  /**
   * Whether the access token is still accepted, asked after revoking it (false when the provider
   * refuses it); absent where the revocation's own answer can be trusted.
   */
  tokenWorks?(http: HttpClient, req: { endpoints: Endpoints; tokens: TokenSet; signal?: AbortSignal }): Promise<boolean>;
  /** How the provider's REST API differs from plain HTTP, for `oauthcli api`. */
  restApi?: {
    /** Headers every request carries unless -H says otherwise (else gh's default, Accept: *\/*). */
    headers?: Readonly<Record<string, string>>;
    /** It pages with Link headers and a per_page parameter: --paginate asks for 100 a page, as gh does. */
    perPage?: boolean;
    /** The provider's limit on server time, which `api --paginate` keeps to as `repos` does (src/http/response-time-budget.ts). */
    responseTimeBudget?: ResponseTimeBudget;
    /** The scope a refused request needed that the token lacks, from the answer's headers (GitHub's). */
    missingScope?(status: number, headers: Record<string, string>): string | undefined;
  };
  /** Git over HTTPS on the provider's hosts takes the account's token as a password (GitHub, GitLab). */
  git?: {
    /** The username that goes with the token: the login, or a fixed one (GitLab's `oauth2`). */
    username(login: string): string;
  };
  /** The signed-in user's repositories, page by page in the provider's order; absent when not offered. */
  listRepos?(http: HttpClient, endpoints: Endpoints, tokens: TokenSet, query: RepoQuery, signal?: AbortSignal): AsyncIterable<RepoPage>;
}

export interface RepoQuery {
  /** Stop after this many repositories. */
  limit?: number;
  visibility?: 'all' | 'public' | 'private';
  affiliation?: Array<'owner' | 'collaborator' | 'organization_member'>;
  sort?: 'created' | 'updated' | 'pushed' | 'full_name';
  direction?: 'asc' | 'desc';
  /** Pages in flight at once (see src/http/paginate.ts). */
  concurrency?: number;
  /** How many pages the same listing had last time: those are asked for at once (PaginateOptions.expectedLastPage). */
  expectedPages?: number;
  /** Pages carry the provider's JSON text (`RepoPage.json`), never parsed, instead of objects. */
  asJson?: boolean;
  /** The most pages followed (PaginateOptions.maxPages). */
  maxPages?: number;
}

/** What the table shows of a repository, whatever the provider calls its fields. */
export interface RepoSummary {
  name: string;
  /** public, private, internal… */
  visibility: string;
  fork: boolean;
  archived: boolean;
  description: string | null;
  language: string | null;
  stars: number | null;
  /** ISO-8601 */
  updatedAt: string | null;
}

export interface RepoPage {
  /** How many repositories this page holds. */
  count: number;
  /** The repositories, summarised for the table (without `RepoQuery.asJson`). */
  repos?: RepoSummary[];
  /**
   * With `RepoQuery.asJson`: the page's repositories as the provider wrote them, never parsed;
   * `json.release()` frees them once written out.
   */
  json?: JsonItems;
  /** Whether more repositories exist after this page (more pages, or a page cut by `limit`). */
  more: boolean;
  /** About how many repositories the listing holds (pages × page size), when the provider said how many pages. */
  estimatedTotal?: number;
  /**
   * How many pages the listing has, when the provider said and its page links are the first
   * page's URL with another page number: a later listing can then ask for them all at once.
   */
  lastPage?: number;
}
