// The sign-in settings of an added OpenID Connect issuer (`provider add` / `provider set`),
// checked the same way when the user gives them and when the config file is read back.
import { usageError } from '../errors.js';
import { hasSecureScheme } from '../http/insecure-hosts.js';

/** Parameters oauthcli sets itself in every authorization or device request: a setting may not replace them. */
export const PROTOCOL_PARAMS: ReadonlySet<string> = new Set([
  'state',
  'code_challenge',
  'code_challenge_method',
  'redirect_uri',
  'client_id',
  'client_secret',
  'nonce',
  'response_type',
  'response_mode',
  'scope',
  'prompt',
  'request',
  'request_uri',
]);

/**
 * A fixed redirect URI: plain http on 127.0.0.1 or localhost (RFC 8252 §7.3; the listener binds
 * 127.0.0.1 only), an explicit port, a path, and nothing else.
 */
export function checkRedirectUri(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw usageError(`'${text}' is not a URL`, 'bad_redirect_uri');
  }
  if (url.protocol !== 'http:' || (url.hostname !== '127.0.0.1' && url.hostname !== 'localhost')) {
    throw usageError(`the redirect URI must be a loopback address, http://127.0.0.1:PORT/… or http://localhost:PORT/…: ${text}`, 'bad_redirect_uri');
  }
  if (url.port === '') throw usageError(`the redirect URI needs a port (http://127.0.0.1:PORT/callback): ${text}`, 'bad_redirect_uri');
  if (url.search || url.hash || text.includes('?') || text.includes('#') || url.username || url.password) {
    throw usageError(`the redirect URI has no query, fragment, user name or password: ${text}`, 'bad_redirect_uri');
  }
  // Kept as written: an exact-match server compares it character for character with what is registered.
  return text.trim();
}

/** `--redirect-port N`: the redirect URI oauthcli would otherwise use, on that port. */
export function redirectUriForPort(text: string): string {
  const port = /^\d{1,5}$/.test(text.trim()) ? Number(text) : NaN;
  if (!(port >= 1 && port <= 65_535)) throw usageError(`--redirect-port takes a port from 1 to 65535, not '${text}'`, 'bad_redirect_uri');
  return `http://127.0.0.1:${port}/callback`;
}

/** `--param KEY=VALUE` pairs, each key once; a protocol parameter is refused. */
export function parseParams(pairs: readonly string[]): Record<string, string> {
  const params: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw usageError(`--param takes KEY=VALUE, not '${pair}'`, 'bad_param');
    params[pair.slice(0, eq).trim()] = pair.slice(eq + 1);
  }
  return checkParams(params);
}

export function checkParams(params: Readonly<Record<string, unknown>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(params)) {
    if (!/^[A-Za-z0-9_.-]{1,64}$/.test(key)) throw usageError(`'${key}' is not a parameter name (letters, digits, '_', '.', '-')`, 'bad_param');
    if (PROTOCOL_PARAMS.has(key)) {
      throw usageError(`oauthcli sets '${key}' itself and a --param cannot replace it${key === 'prompt' ? '; use --prompt' : key === 'scope' ? '; use --scopes' : ''}`, 'bad_param');
    }
    if (typeof value !== 'string') throw usageError(`the value of the parameter '${key}' is not text`, 'bad_param');
    out[key] = value;
  }
  return out;
}

/** OpenID Connect Core §3.1.2.1: none, login, consent, select_account, or several of them (space-separated). */
export function checkPrompt(text: string): string {
  const values = text.trim().split(/\s+/).filter(Boolean);
  if (!values.length || values.some((v) => !/^[a-z_]{1,32}$/.test(v))) throw usageError(`--prompt takes values such as login, consent, select_account or none, not '${text}'`, 'bad_prompt');
  return values.join(' ');
}

/** `--api-base`: https, or http on a loopback address, without query or fragment; kept without a trailing slash. */
export function checkApiBase(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw usageError(`'${text}' is not a URL`, 'bad_api_base');
  }
  if (!hasSecureScheme(url)) {
    throw usageError(`the API base must use https (plain http is allowed only on loopback addresses): ${text}`, 'bad_api_base');
  }
  if (url.search || url.hash || text.includes('?') || text.includes('#') || url.username || url.password) {
    throw usageError(`an API base has no query, fragment, user name or password: ${text}`, 'bad_api_base');
  }
  return url.href.replace(/\/+$/, '');
}
