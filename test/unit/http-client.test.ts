// src/http/client.ts against real local servers: proxies from the environment, timeouts, and
// the rule that only loopback hosts may be reached over plain http.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createHttpClient } from '../../src/http/client.js';

const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});

async function listen(handler: Parameters<typeof createServer>[1]): Promise<string> {
  const server = createServer(handler);
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('the HTTP client', () => {
  it('sends https requests through HTTPS_PROXY with CONNECT, and never proxies a loopback host', async () => {
    const target = await listen((_req, res) => res.end('{"ok":true}'));
    const connects: string[] = [];
    const plain: string[] = [];
    // A forward proxy that records what it is asked and refuses every tunnel (403).
    const proxy = await listen((req, res) => {
      plain.push(req.url ?? '');
      res.writeHead(502).end();
    });
    const proxyServer = servers.at(-1)!;
    proxyServer.on('connect', (req, socket) => {
      connects.push(req.url ?? '');
      socket.end('HTTP/1.1 403 Forbidden\r\n\r\n');
    });
    const http = createHttpClient({ env: { HTTPS_PROXY: proxy, HTTP_PROXY: proxy, NO_PROXY: '' } });
    await expect(http.request({ url: 'https://ghe.corp.test/api/v3/user' })).rejects.toMatchObject({
      message: expect.stringMatching(/proxy http:\/\/127\.0\.0\.1:\d+ \(HTTPS_PROXY\) refused to connect to ghe\.corp\.test \(HTTP 403\)/),
    });
    expect(connects).toEqual(['ghe.corp.test:443']);
    // A token for 127.0.0.1 must not leave the machine, proxy or not.
    const res = await http.request({ url: `${target}/user` });
    expect(await res.json()).toEqual({ ok: true });
    expect(plain).toEqual([]);
  });

  it('gives up on a server that does not answer, with one clear failure', async () => {
    const silent = await listen(() => undefined);
    const http = createHttpClient();
    const started = Date.now();
    await expect(http.request({ url: `${silent}/user`, deadlineMs: 300 })).rejects.toMatchObject({ kind: 'failure', message: expect.stringMatching(/did not answer within/) });
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('refuses plain http to anything but a loopback host, before connecting', async () => {
    const http = createHttpClient();
    await expect(http.request({ url: 'http://github.com/login/oauth/access_token', method: 'POST', form: { code: 'x' } })).rejects.toMatchObject({
      code: 'insecure_url',
    });
    await expect(http.request({ url: 'http://10.0.0.1/x' })).rejects.toMatchObject({ code: 'insecure_url' });
  });

  it('retries a GET that answered 5xx, but never a POST', async () => {
    let gets = 0;
    let posts = 0;
    const flaky = await listen((req, res) => {
      if (req.method === 'GET' && ++gets < 3) return void res.writeHead(502).end('<html>bad gateway</html>');
      if (req.method === 'POST') posts++;
      res.writeHead(req.method === 'POST' ? 503 : 200, { 'content-type': 'application/json' }).end('{"ok":true}');
    });
    const http = createHttpClient({ sleep: async () => undefined });
    expect((await http.request({ url: `${flaky}/x`, retry: true })).status).toBe(200);
    expect(gets).toBe(3);
    expect((await http.request({ url: `${flaky}/x`, method: 'POST', form: {} })).status).toBe(503);
    expect(posts).toBe(1);
  });
});
