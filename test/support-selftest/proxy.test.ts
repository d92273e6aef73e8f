import { execFile } from 'node:child_process';
import { createServer as createHttpServer, request } from 'node:http';
import { createServer } from 'node:https';
import type { AddressInfo, Server } from 'node:net';
import { promisify } from 'node:util';
import { ProxyAgent, fetch } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startProxy } from '../support/proxy.js';
import type { TestProxy } from '../support/proxy.js';
import { makeTestCa } from '../support/tls.js';
import type { TestCa } from '../support/tls.js';

const run = promisify(execFile);

function listen(server: Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
}

/** Sends CONNECT ghe.corp.test:443 to the proxy, with Basic `credentials` if given; resolves with the answer. */
function connect(proxyPort: number, credentials?: string): Promise<{ status: number | undefined; challenge: string | undefined }> {
  return new Promise((resolve, reject) => {
    const headers = credentials ? { 'proxy-authorization': `Basic ${Buffer.from(credentials).toString('base64')}` } : {};
    request({ host: '127.0.0.1', port: proxyPort, method: 'CONNECT', path: 'ghe.corp.test:443', headers })
      .on('connect', (res, socket) => {
        socket.destroy();
        resolve({ status: res.statusCode, challenge: res.headers['proxy-authenticate'] });
      })
      .on('error', reject)
      .end();
  });
}

describe('forward proxy (proxy.ts)', () => {
  let ca: TestCa;
  let https: Server;
  let http: Server;
  let httpsPort: number;
  let httpPort: number;
  let proxy: TestProxy;

  beforeAll(async () => {
    ca = makeTestCa();
    const leaf = ca.issue(['ghe.corp.test']);
    https = createServer({ key: leaf.key, cert: leaf.cert }, (req, res) => res.end(`tls ${req.headers.host} ${req.url}`));
    http = createHttpServer((req, res) => res.end(`plain ${req.headers.host} ${req.url}`));
    [httpsPort, httpPort] = await Promise.all([listen(https), listen(http)]);
    proxy = await startProxy({ hosts: { 'ghe.corp.test': '127.0.0.1', 'Acme.GHE.com': '127.0.0.1' } });
  });
  afterAll(async () => {
    await proxy?.close();
    https?.close();
    http?.close();
    ca?.cleanup();
  });

  it('tunnels https to a name only the proxy can resolve, and records the CONNECT', async () => {
    const before = proxy.requests.length;
    const dispatcher = new ProxyAgent({ uri: proxy.url, requestTls: { ca: ca.caCert } });
    try {
      const res = await fetch(`https://ghe.corp.test:${httpsPort}/api/v3`, { dispatcher });
      expect(await res.text()).toBe(`tls ghe.corp.test:${httpsPort} /api/v3`);
    } finally {
      await dispatcher.close();
    }
    expect(proxy.requests.slice(before)).toEqual([
      { method: 'CONNECT', hostname: 'ghe.corp.test', port: httpsPort, isHttp: false, time: expect.any(Number), username: '', authorized: true },
    ]);
  });

  it('forwards absolute-form plain http, resolving names case-insensitively', async () => {
    const before = proxy.requests.length;
    const dispatcher = new ProxyAgent({ uri: proxy.url, proxyTunnel: false });
    try {
      const res = await fetch(`http://acme.ghe.com:${httpPort}/x?y=1`, { dispatcher });
      expect(await res.text()).toBe(`plain acme.ghe.com:${httpPort} /x?y=1`);
    } finally {
      await dispatcher.close();
    }
    expect(proxy.requests.slice(before)).toMatchObject([{ method: 'GET', hostname: 'acme.ghe.com', port: httpPort, isHttp: true }]);
  });

  it('resolves other names normally', async () => {
    const dispatcher = new ProxyAgent({ uri: proxy.url, proxyTunnel: false });
    try {
      const res = await fetch(`http://localhost:${httpPort}/`, { dispatcher });
      expect(await res.text()).toBe(`plain localhost:${httpPort} /`);
    } finally {
      await dispatcher.close();
    }
  });

  it('with auth, answers 407 to missing or wrong credentials and tunnels with the right ones', async () => {
    const authed = await startProxy({ hosts: { 'ghe.corp.test': '127.0.0.1' }, auth: { username: 'u', password: 'p@ss word' } });
    try {
      expect(authed.urlWithAuth).toBe(`http://u:p%40ss%20word@127.0.0.1:${authed.port}`);
      expect(await connect(authed.port)).toEqual({ status: 407, challenge: expect.stringMatching(/^Basic realm=/) });
      expect(await connect(authed.port, 'u:nope')).toMatchObject({ status: 407 });
      const dispatcher = new ProxyAgent({ uri: authed.urlWithAuth, requestTls: { ca: ca.caCert } });
      try {
        const res = await fetch(`https://ghe.corp.test:${httpsPort}/`, { dispatcher });
        expect(await res.text()).toBe(`tls ghe.corp.test:${httpsPort} /`);
      } finally {
        await dispatcher.close();
      }
      // A child process finds the proxy and its credentials in HTTPS_PROXY, as the CLI will.
      const { stdout } = await run('curl', ['-sS', '--cacert', ca.caCertPath, `https://ghe.corp.test:${httpsPort}/from-curl`], {
        env: { PATH: process.env.PATH, HTTPS_PROXY: authed.urlWithAuth },
      });
      expect(stdout).toBe(`tls ghe.corp.test:${httpsPort} /from-curl`);
      expect(authed.requests.map((r) => [r.username, r.authorized])).toEqual([
        ['', false],
        ['u', false],
        ['u', true],
        ['u', true],
      ]);
    } finally {
      await authed.close();
    }
  });
});
