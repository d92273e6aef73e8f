// OpenID Connect discovery (OpenID Connect Discovery 1.0 §4, RFC 8414): fetch the issuer's
// metadata and check it really describes that issuer.
import { failure } from '../errors.js';
import type { HttpClient } from '../http/client.js';

export interface IssuerMetadata {
  issuer: string;
  authorization_endpoint: string;
  token_endpoint: string;
  jwks_uri?: string;
  userinfo_endpoint?: string;
  device_authorization_endpoint?: string;
  revocation_endpoint?: string;
  introspection_endpoint?: string;
  code_challenge_methods_supported?: string[];
  token_endpoint_auth_methods_supported?: string[];
  scopes_supported?: string[];
  [key: string]: unknown;
}

export function discoveryUrl(issuer: string): string {
  return `${issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`;
}

export async function discoverIssuer(http: HttpClient, issuer: string, signal?: AbortSignal): Promise<IssuerMetadata> {
  const res = await http.request({ url: discoveryUrl(issuer), headers: { accept: 'application/json' }, retry: true, signal });
  if (res.status !== 200) {
    await res.dump();
    throw failure(`${new URL(issuer).host} has no OpenID Connect discovery document (HTTP ${res.status} for ${discoveryUrl(issuer)})`, { code: 'discovery_failed' });
  }
  const meta = await res.json<IssuerMetadata>();
  if (!meta || typeof meta !== 'object') throw failure(`the discovery document of ${issuer} is not a JSON object`, { code: 'discovery_failed' });
  // §4.3: the issuer in the document must be identical to the one we asked about (mix-up defence).
  if (meta.issuer !== issuer && meta.issuer !== issuer.replace(/\/+$/, '')) {
    throw failure(`the discovery document of ${issuer} names another issuer (${String(meta.issuer)})`, { code: 'discovery_failed' });
  }
  for (const field of ['authorization_endpoint', 'token_endpoint'] as const) {
    if (typeof meta[field] !== 'string') throw failure(`the discovery document of ${issuer} has no ${field}`, { code: 'discovery_failed' });
  }
  return meta;
}
