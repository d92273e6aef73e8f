// Which hosts may be reached over plain http: loopback only (RFC 8252 §8.3, and our rule that no
// token ever crosses a network unencrypted), and which URLs may be opened in a browser.

export function isLoopbackHostname(hostname: string): boolean {
  const h = hostname.toLowerCase().replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || /^127(\.\d{1,3}){3}$/.test(h);
}

/** `host` is HOST or HOST:PORT, with IPv6 literals in brackets. */
export function hostnameOf(host: string): string {
  if (host.startsWith('[')) return host.slice(0, host.indexOf(']') + 1);
  return host.split(':')[0] ?? host;
}

export function isLoopbackHost(host: string): boolean {
  return isLoopbackHostname(hostnameOf(host));
}

/** `https://host`, or `http://host` for a loopback host. */
export function originFor(host: string): string {
  return `${isLoopbackHost(host) ? 'http' : 'https'}://${host}`;
}

/** The rule every URL we send to, open or keep is held to: https, or plain http to a loopback host. */
export function hasSecureScheme(url: URL): boolean {
  return url.protocol === 'https:' || (url.protocol === 'http:' && isLoopbackHostname(url.hostname));
}

/**
 * A URL we may open in a browser or show as one to open: https, or http on a loopback host.
 * Never javascript:, file:, data: or plain http across a network, whoever sent it.
 */
export function isSafeWebUrl(text: unknown): text is string {
  if (typeof text !== 'string') return false;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return false;
  }
  if (url.username || url.password) return false;
  return hasSecureScheme(url);
}
