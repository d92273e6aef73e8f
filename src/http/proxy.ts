// Which proxy a request goes through: the variables curl and undici read (HTTPS_PROXY,
// HTTP_PROXY, NO_PROXY, upper or lower case), and the proxy a URL's request uses, named without
// its credentials for the trace and for failure messages.

export interface ProxySettings {
  httpProxy?: string;
  httpsProxy?: string;
  noProxy?: string;
}

/** The proxy a request goes through, as a message names it. */
export interface ProxyRoute {
  /** scheme://host[:port], without credentials. */
  shown: string;
  /** The variable that set it: HTTPS_PROXY or HTTP_PROXY. */
  variable: string;
}

/** The proxy variables as curl and undici read them: lower case first. */
export function proxySettings(env: NodeJS.ProcessEnv): ProxySettings {
  const pick = (name: string) => env[name.toLowerCase()] || env[name.toUpperCase()] || undefined;
  const httpProxy = pick('http_proxy');
  const httpsProxy = pick('https_proxy') ?? httpProxy;
  const noProxy = pick('no_proxy');
  return { ...(httpProxy ? { httpProxy } : {}), ...(httpsProxy ? { httpsProxy } : {}), ...(noProxy ? { noProxy } : {}) };
}

/** The proxy a request to `url` goes through, if any (NO_PROXY as undici reads it), shown without credentials. */
export function proxyFor(url: URL, settings: ProxySettings): ProxyRoute | undefined {
  const proxy = url.protocol === 'https:' ? settings.httpsProxy : settings.httpProxy;
  if (!proxy || bypassesProxy(url, settings.noProxy)) return undefined;
  let shown = proxy;
  try {
    const p = new URL(proxy);
    shown = `${p.protocol}//${p.host}`;
  } catch {
    // shown as given
  }
  return { shown, variable: url.protocol === 'https:' ? 'HTTPS_PROXY' : 'HTTP_PROXY' };
}

function bypassesProxy(url: URL, noProxy: string | undefined): boolean {
  if (!noProxy) return false;
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  return noProxy.split(/[,\s]+/).some((entry) => {
    if (!entry) return false;
    if (entry === '*') return true;
    const [name = '', entryPort] = entry.toLowerCase().split(':');
    if (entryPort && entryPort !== port) return false;
    const bare = name.replace(/^\*?\./, '');
    return host === bare || host.endsWith(`.${bare}`);
  });
}
