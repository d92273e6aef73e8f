// OpenID Connect discovery (OpenID Connect Discovery 1.0 §4, RFC 8414): fetch the issuer's
// metadata and check that it really describes that issuer and sends us only to https.
import { failure } from '../errors.js';
import type { HttpClient } from '../http/client.js';
import { isSafeWebUrl } from '../http/insecure-hosts.js';
import { MAX_METADATA_BYTES } from '../http/limits.js';

export interface IssuerMetadata {
  issuer: string;
  authorization_endpoint: string;
  token_endpoint: string;
  jwks_uri?: string;
  userinfo_endpoint?: string;
  device_authorization_endpoint?: string;
  revocation_endpoint?: string;
  code_challenge_methods_supported?: string[];
  token_endpoint_auth_methods_supported?: string[];
  scopes_supported?: string[];
  /** RFC 9207 §3: every authorization response from this issuer carries `iss`. */
  authorization_response_iss_parameter_supported?: boolean;
}

const ENDPOINTS = ['authorization_endpoint', 'token_endpoint', 'jwks_uri', 'userinfo_endpoint', 'device_authorization_endpoint', 'revocation_endpoint'] as const;

/**
 * §4: the issuer with any terminating "/" removed, then `/.well-known/openid-configuration`
 * (`https://tenant.auth0.com/` → `https://tenant.auth0.com/.well-known/openid-configuration`).
 */
export function discoveryUrl(issuer: string): string {
  return `${issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`;
}

export interface DiscoveryOptions {
  /**
   * Whether a document that names another issuer than the URL it was read from is still this
   * issuer's: a multi-tenant authority's placeholder issuer (the provider decides, and then
   * validates each ID token's `iss` itself). Absent: the names must be identical.
   */
  acceptIssuer?(named: string): boolean;
}

export async function discoverIssuer(http: HttpClient, issuer: string, signal?: AbortSignal, options: DiscoveryOptions = {}): Promise<IssuerMetadata> {
  const url = discoveryUrl(issuer);
  const res = await http.request({ url, headers: { accept: 'application/json' }, retry: true, signal, maxBodyBytes: MAX_METADATA_BYTES });
  if (res.status !== 200) {
    await res.dump();
    throw failure(`${res.url.host} has no OpenID Connect discovery document (HTTP ${res.status} for ${url})`, { code: 'discovery_failed' });
  }
  const meta = await res.json<Record<string, unknown>>();
  if (!meta || typeof meta !== 'object' || Array.isArray(meta)) throw failure(`the discovery document of ${issuer} is not a JSON object`, { code: 'discovery_failed' });
  // §4.3: "MUST be identical to the Issuer URL that was directly used to retrieve the
  // configuration information" — character for character (the mix-up defence).
  if (meta.issuer !== issuer && !(typeof meta.issuer === 'string' && options.acceptIssuer?.(meta.issuer))) {
    const named = typeof meta.issuer === 'string' ? meta.issuer : String(meta.issuer);
    throw failure(`the discovery document of ${issuer} names another issuer (${named})${typeof meta.issuer === 'string' ? `; if that is the issuer you mean, use --issuer ${named}` : ''}`, {
      code: 'discovery_failed',
    });
  }
  for (const field of ['authorization_endpoint', 'token_endpoint'] as const) {
    if (typeof meta[field] !== 'string') throw failure(`the discovery document of ${issuer} has no ${field}`, { code: 'discovery_failed' });
  }
  // Endpoints get our tokens and the user's browser: https only (http on loopback for local issuers).
  for (const field of ENDPOINTS) {
    if (meta[field] !== undefined && !isSafeWebUrl(meta[field])) {
      throw failure(`the discovery document of ${issuer} gives a ${field} that is not an https URL`, { code: 'discovery_failed' });
    }
  }
  return meta as unknown as IssuerMetadata;
}
