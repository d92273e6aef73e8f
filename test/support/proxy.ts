/**
 * A real HTTP forward proxy (proxy-chain) for tests that check the CLI honours HTTPS_PROXY /
 * HTTP_PROXY / NO_PROXY. It tunnels CONNECT (RFC 9110 §9.3.6) for https and forwards
 * absolute-form requests (RFC 9112 §3.2.2) for plain http, and records every request it was
 * asked to handle, so a test can assert "this went through the proxy" or "nothing did".
 *
 * Made-up names (ghe.corp.test, api.acme.ghe.com, …) have no DNS entry; `hosts` resolves them
 * inside the proxy only, the way a corporate proxy is often the only thing that can resolve
 * internal names. The CLI must therefore send the name, not an address, to the proxy.
 */
import dns from 'node:dns';
import type { LookupAddress, LookupOptions } from 'node:dns';
import { isIPv6 } from 'node:net';
import { Server } from 'proxy-chain';

export type HostMap = Record<string, string> | ((hostname: string) => string | undefined);

export interface ProxyRequestRecord {
  /** CONNECT for a tunnel, else the method of the forwarded plain-http request. */
  method: string;
  /** Target host as the client named it (CONNECT authority or absolute URL). */
  hostname: string;
  port: number;
  /** True for a forwarded plain-http request, false for a CONNECT tunnel. */
  isHttp: boolean;
  /** Date.now() when the proxy received the request. */
  time: number;
  /** Proxy-Authorization user name the client sent ('' when none). */
  username: string;
  /** False when the proxy answered 407 (credentials missing or wrong). */
  authorized: boolean;
}

export interface StartProxyOptions {
  /** Names the proxy resolves itself (to an IP address); everything else uses the system resolver. */
  hosts?: HostMap;
  /** Require these Basic credentials (RFC 9110 §11.7.1 Proxy-Authorization), else 407. */
  auth?: { username: string; password: string };
}

export interface TestProxy {
  /** http://127.0.0.1:PORT, for HTTPS_PROXY / HTTP_PROXY. */
  url: string;
  /** `url` with the `auth` credentials in it (http://u:p@127.0.0.1:PORT); equals `url` without auth. */
  urlWithAuth: string;
  port: number;
  /** Every request handled, oldest first (407-refused ones included). */
  requests: ProxyRequestRecord[];
  close(): Promise<void>;
}

/**
 * A dns.lookup that answers from `resolve` and falls back to the system resolver.
 * Node's net.connect asks with `all: true` (autoSelectFamily, "happy eyeballs"), so both
 * answer shapes of dns.lookup are honoured.
 */
function lookupFrom(resolve: (hostname: string) => string | undefined): typeof dns.lookup {
  function lookup(hostname: string, options: unknown, callback?: unknown): void {
    if (typeof options === 'function') [callback, options] = [options, {}];
    const opts: LookupOptions = typeof options === 'number' ? { family: options } : ((options ?? {}) as LookupOptions);
    const address = resolve(hostname);
    if (address === undefined) {
      dns.lookup(hostname, opts as LookupOptions & { all: true }, callback as (err: Error | null, a: LookupAddress[]) => void);
      return;
    }
    const family = isIPv6(address) ? 6 : 4;
    const cb = callback as (err: Error | null, address: string | LookupAddress[], family?: number) => void;
    if (opts.all) process.nextTick(cb, null, [{ address, family }]);
    else process.nextTick(cb, null, address, family);
  }
  return lookup as typeof dns.lookup;
}

/** Starts a forward proxy on 127.0.0.1 with a random port. */
export async function startProxy(options: StartProxyOptions = {}): Promise<TestProxy> {
  const { hosts, auth } = options;
  // Host names are case-insensitive (RFC 4343).
  const table = new Map(Object.entries(typeof hosts === 'object' ? hosts : {}).map(([k, v]) => [k.toLowerCase(), v]));
  const resolve = typeof hosts === 'function' ? hosts : (name: string) => table.get(name.toLowerCase());
  const dnsLookup = lookupFrom(resolve);
  const requests: ProxyRequestRecord[] = [];

  const server = new Server({
    host: '127.0.0.1',
    port: 0,
    prepareRequestFunction({ request, hostname, port, isHttp, username, password }) {
      const authorized = !auth || (username === auth.username && password === auth.password);
      requests.push({ method: request.method ?? '', hostname, port, isHttp, time: Date.now(), username, authorized });
      return authorized ? { dnsLookup } : { requestAuthentication: true };
    },
  });
  await server.listen();

  const url = `http://127.0.0.1:${server.port}`;
  const urlWithAuth = auth
    ? `http://${encodeURIComponent(auth.username)}:${encodeURIComponent(auth.password)}@127.0.0.1:${server.port}`
    : url;
  return {
    url,
    urlWithAuth,
    port: server.port,
    requests,
    // Force-close tunnels still open (keep-alive clients), or close() would wait for them.
    close: () => server.close(true),
  };
}
