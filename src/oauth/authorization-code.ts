// The authorization-code grant with PKCE (RFC 6749 §4.1, RFC 7636): the URL the browser opens,
// and the exchange of the code for tokens.
import type { HttpClient } from '../http/client.js';
import type { ClientAuth } from './client-auth.js';
import { requestToken } from './token-endpoint.js';
import type { TokenResponse } from './token-response.js';

export interface AuthorizationUrlParams {
  authorizeEndpoint: string;
  clientId: string;
  redirectUri: string;
  scopes: string[];
  state: string;
  codeChallenge: string;
  extraParams?: Record<string, string>;
}

export function buildAuthorizationUrl(p: AuthorizationUrlParams): string {
  const url = new URL(p.authorizeEndpoint);
  url.searchParams.set('client_id', p.clientId);
  url.searchParams.set('redirect_uri', p.redirectUri);
  url.searchParams.set('response_type', 'code');
  // RFC 6749 §3.3, and GitHub's own documentation: space-delimited.
  if (p.scopes.length) url.searchParams.set('scope', p.scopes.join(' '));
  url.searchParams.set('state', p.state);
  url.searchParams.set('code_challenge', p.codeChallenge);
  url.searchParams.set('code_challenge_method', 'S256');
  for (const [k, v] of Object.entries(p.extraParams ?? {})) url.searchParams.set(k, v);
  return url.toString();
}

export interface CodeExchange {
  tokenEndpoint: string;
  client: ClientAuth;
  code: string;
  codeVerifier: string;
  redirectUri: string;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

export function exchangeAuthorizationCode(http: HttpClient, x: CodeExchange): Promise<TokenResponse> {
  return requestToken(http, {
    endpoint: x.tokenEndpoint,
    params: { grant_type: 'authorization_code', code: x.code, code_verifier: x.codeVerifier, redirect_uri: x.redirectUri },
    client: x.client,
    sendSecret: true,
    headers: x.headers,
    signal: x.signal,
  });
}
