// What a provider is: data (hosts, endpoints, scopes, what its flows need) plus the few small
// functions no standard covers (profile lookup, revocation). Nothing here knows about accounts
// on disk or about the terminal.
import type { HttpClient } from '../http/client.js';
import type { TokenSet } from '../oauth/token-set.js';

export interface Endpoints {
  /** The host as the user named it: `github.com`, `ghe.example.com`, `127.0.0.1:PORT`. */
  host: string;
  deviceAuthorization: string;
  token: string;
  authorize: string;
  /** Base URL of the REST API, without a trailing slash. */
  api: string;
  /** The expected `iss` of authorization responses (RFC 9207). */
  issuer: string;
}

export interface Profile {
  login: string;
  id: string;
  name: string | null;
  email: string | null;
  url: string | null;
  /** Scopes the provider reports for this token, when it says (GitHub's X-OAuth-Scopes). */
  scopes?: string[];
}

export interface RevokeRequest {
  endpoints: Endpoints;
  clientId: string;
  clientSecret: string | undefined;
  tokens: TokenSet;
  signal?: AbortSignal;
}

export interface Provider {
  name: string;
  displayName: string;
  defaultHost: string;
  defaultScopes: string[];
  /** How scopes are joined in requests: ' ' per RFC 6749, ',' for GitHub. */
  scopeSeparator: string;
  /** `OAUTHCLI_<ENV>_CLIENT_ID` / `_CLIENT_SECRET`. */
  envName: string;
  /** Whether the browser flow's code exchange needs a client secret. */
  webFlowNeedsSecret: boolean;
  /** Headers every OAuth endpoint request carries (GitHub answers form-encoded without Accept). */
  oauthHeaders: Record<string, string>;
  /** How to register an OAuth app for this provider; shown when no client id is configured. */
  registerAppHelp(host: string): string;
  endpoints(host: string): Endpoints;
  fetchProfile(http: HttpClient, endpoints: Endpoints, tokens: TokenSet, signal?: AbortSignal): Promise<Profile>;
  /** Where a user can revoke the app's access by hand. */
  revokeByHandUrl(endpoints: Endpoints, clientId: string): string;
  /** Revokes the token at the provider; absent when the provider offers no way. */
  revoke?(http: HttpClient, req: RevokeRequest): Promise<void>;
}
