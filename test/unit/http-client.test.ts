// src/http/client.ts against real local servers: proxies from the environment, timeouts, and
// the rule that only loopback hosts may be reached over plain http.
import { createServer, request as httpRequest, type Server } from 'node:http';
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
  it('sends requests through HTTP_PROXY when it is set', async () => {
    const target = await listen((_req, res) => res.end('{"ok":true}'));
    const seen: string[] = [];
    // A forward proxy: gets the absolute URL, passes the request on.
    const proxy = await listen((req, res) => {
      seen.push(req.url ?? '');
      const upstream = httpRequest(req.url!, { method: req.method, headers: req.headers }, (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      });
      req.pipe(upstream);
    });
    const saved = { HTTP_PROXY: process.env.HTTP_PROXY, NO_PROXY: process.env.NO_PROXY };
    process.env.HTTP_PROXY = proxy;
    process.env.NO_PROXY = '';
    try {
      const http = createHttpClient();
      const res = await http.request({ url: `${target}/user` });
      expect(await res.json()).toEqual({ ok: true });
    } finally {
      for (const [k, v] of Object.entries(saved)) if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    expect(seen).toEqual([`${target}/user`]);
  });

  it('gives up on a server that does not answer, with one clear failure', async () => {
    const silent = await listen(() => undefined);
    const http = createHttpClient({ timeoutMs: 300 });
    const started = Date.now();
    await expect(http.request({ url: `${silent}/user` })).rejects.toMatchObject({ kind: 'failure', message: expect.stringMatching(/did not answer within/) });
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
