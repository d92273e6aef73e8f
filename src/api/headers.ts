// The headers of an `oauthcli api` request: the provider's defaults, then `-H 'Name: value'`
// flags, which add to or override them (gh's rule: the first ':' separates name and value, the
// value is trimmed; a header given twice is sent with both values).
import { usageError } from '../errors.js';
import type { Provider } from '../providers/types.js';

/** RFC 9110 field-name characters. */
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** Set by the HTTP client from the body and the connection; a value from the command line would contradict it. */
const MANAGED = new Set(['content-length', 'transfer-encoding', 'connection', 'keep-alive', 'upgrade', 'host', 'te', 'trailer', 'expect']);

/** `-H` flags → lower-case names and values, or a usage error (exit 2) before any request. */
export function parseHeaderFlags(flags: readonly string[]): Record<string, string> {
  const headers: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const flag of flags) {
    const colon = flag.indexOf(':');
    if (colon === -1) throw usageError(`header '${flag}' needs a value: -H 'Name: value'`, 'bad_header');
    const name = flag.slice(0, colon).trim().toLowerCase();
    const value = flag.slice(colon + 1).trim();
    if (!TOKEN.test(name)) throw usageError(`'${flag.slice(0, colon)}' is not a valid header name`, 'bad_header');
    if (/[\r\n\0]/.test(value)) throw usageError(`the value of header '${name}' may not contain a line break`, 'bad_header');
    if (MANAGED.has(name)) throw usageError(`header '${name}' is set by oauthcli itself and cannot be given with -H`, 'bad_header');
    headers[name] = Object.hasOwn(headers, name) ? `${headers[name]}, ${value}` : value;
  }
  return headers;
}

/**
 * What every request to the provider carries unless -H says otherwise: its own (GitHub's media
 * type and API version, as our other GitHub requests); elsewhere `Accept: *\/*`, gh's default.
 */
export function defaultApiHeaders(provider: Pick<Provider, 'restApi'>): Record<string, string> {
  return { ...(provider.restApi?.headers ?? { accept: '*/*' }) };
}
