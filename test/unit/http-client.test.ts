// src/http/client.ts against real local servers: proxies from the environment, timeouts, and
// the rule that only loopback hosts may be reached over plain http.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { brotliCompressSync, gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createHttpClient } from '../../src/http/client.js';

const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});

/**
 * Runs `body` with a fake clock for the client's deadline (setTimeout and Date; undici's own
 * timers of a second or less are setTimeout too): a test moves the clock to the deadline itself
 * instead of waiting for it, so the time a message states is the deadline, however loaded the
 * machine is. Sockets and the servers' own intervals stay real.
 */
async function withFakeClock(body: () => Promise<void>): Promise<void> {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
  try {
    await body();
  } finally {
    vi.useRealTimers();
  }
}

/** Whether `promise` has settled, looked at after the pending microtasks. */
function settledFlag(promise: Promise<unknown>): () => boolean {
  let settled = false;
  promise.then(
    () => void (settled = true),
    () => void (settled = true),
  );
  return () => settled;
}

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

  it('gives up on a server that does not answer, at the deadline, with one clear failure', async () => {
    let arrived!: () => void;
    const arrival = new Promise<void>((resolve) => (arrived = resolve));
    const silent = await listen(() => arrived());
    const http = createHttpClient();
    await withFakeClock(async () => {
      const failing = http.request({ url: `${silent}/user`, deadlineMs: 1_000 }).catch((e: unknown) => e);
      const settled = settledFlag(failing);
      await arrival;
      await vi.advanceTimersByTimeAsync(999);
      expect(settled()).toBe(false);
      await vi.advanceTimersByTimeAsync(1);
      expect(await failing).toMatchObject({ kind: 'failure', message: expect.stringMatching(/did not answer within 1 s$/) });
    });
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

describe('limits', () => {
  it('stops reading an endless body at the size limit: one line, and it hangs up', async () => {
    const chunk = Buffer.alloc(64 * 1024, 120);
    let sent = 0;
    let hungUp!: () => void;
    const closed = new Promise<void>((resolve) => (hungUp = resolve));
    const endless = await listen((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      const pump = () => {
        while (!res.destroyed && res.write(chunk)) sent += chunk.length;
        if (!res.destroyed) res.once('drain', pump);
      };
      pump();
      res.on('error', () => undefined);
      res.on('close', hungUp);
    });
    // A client that read the whole body before checking it would never finish (the body has no
    // end); one that stops at the limit and hangs up leaves the server only what the sockets'
    // buffers took.
    const res = await createHttpClient().request({ url: `${endless}/token`, maxBodyBytes: 2 * 1024 * 1024 });
    await expect(res.json()).rejects.toMatchObject({ code: 'response_too_large', message: expect.stringMatching(/larger than 2 MiB/) });
    await closed;
    expect(sent).toBeLessThan(64 * 1024 * 1024);
  });

  it('refuses a body whose content-length is over the limit before reading it', async () => {
    const big = await listen((_req, res) => res.writeHead(200, { 'content-length': String(400 * 1024 * 1024) }).write('{'));
    const res = await createHttpClient().request({ url: `${big}/.well-known/openid-configuration` });
    await expect(res.text()).rejects.toMatchObject({ code: 'response_too_large' });
  });

  it('a server that drips a byte at a time is cut off at the deadline, and the message says how long we waited', async () => {
    const drip = await listen((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      const timer = setInterval(() => (res.destroyed ? clearInterval(timer) : res.write(' ')), 100);
      res.on('close', () => clearInterval(timer));
    });
    await withFakeClock(async () => {
      const res = await createHttpClient().request({ url: `${drip}/token`, deadlineMs: 800 });
      const failing = res.json().catch((e: unknown) => e);
      const settled = settledFlag(failing);
      await vi.advanceTimersByTimeAsync(799);
      expect(settled()).toBe(false);
      await vi.advanceTimersByTimeAsync(1);
      expect(await failing).toMatchObject({ code: 'timeout', message: expect.stringMatching(/did not finish sending its answer within 1 s$/) });
    });
  });

  it('a silent server: one attempt (not three), and the message is true', async () => {
    let requests = 0;
    let arrived!: () => void;
    const arrival = new Promise<void>((resolve) => (arrived = resolve));
    const silent = await listen(() => {
      requests++;
      arrived();
    });
    await withFakeClock(async () => {
      const failing = createHttpClient().request({ url: `${silent}/user`, retry: true, deadlineMs: 500 }).catch((e: unknown) => e);
      await arrival;
      await vi.advanceTimersByTimeAsync(500);
      expect(await failing).toMatchObject({ message: expect.stringMatching(/did not answer within 1 s$/) });
    });
    expect(requests).toBe(1);
  });
});

// RFC 9110 §12.5.3 (Accept-Encoding) and §8.4 (Content-Encoding): asked for, decoded, limited.
describe('compressed answers', () => {
  it('asks for gzip, deflate and br, and decodes what comes: success and error answers alike', async () => {
    const asked: string[] = [];
    const server = await listen((req, res) => {
      asked.push(String(req.headers['accept-encoding']));
      if (req.url === '/br') return res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'br' }).end(brotliCompressSync('{"via":"br"}'));
      if (req.url === '/plain') return res.writeHead(200, { 'content-type': 'application/json' }).end('{"via":"identity"}');
      const status = req.url === '/denied' ? 401 : 200;
      const body = status === 401 ? '{"message":"Bad credentials"}' : JSON.stringify([{ name: 'hello-world' }]);
      res.writeHead(status, { 'content-type': 'application/json', 'content-encoding': 'gzip', vary: 'Accept-Encoding' }).end(gzipSync(body));
    });
    const http = createHttpClient();
    const ok = await http.request({ url: `${server}/user/repos` });
    expect(ok.headers['content-encoding']).toBeUndefined();
    expect(await ok.json()).toEqual([{ name: 'hello-world' }]);
    const denied = await http.request({ url: `${server}/denied` });
    expect(denied.status).toBe(401);
    expect(await denied.json()).toEqual({ message: 'Bad credentials' });
    expect(await (await http.request({ url: `${server}/br` })).json()).toEqual({ via: 'br' });
    expect(await (await http.request({ url: `${server}/plain` })).json()).toEqual({ via: 'identity' });
    expect(asked).toEqual(Array(4).fill('gzip, deflate, br'));
  });

  it('counts the decoded bytes against the size limit: gzip bombs without end stop at the limit, and the client hangs up', async () => {
    const bomb = gzipSync(Buffer.alloc(100 * 1024 * 1024, 0x20));
    expect(bomb.length).toBeLessThan(200 * 1024);
    let sent = 0;
    let hungUp!: () => void;
    const closed = new Promise<void>((resolve) => (hungUp = resolve));
    // One gzip member of 100 MB after another (RFC 1952 §2.2: a gzip file is a series of members),
    // without end: a client that decoded the whole answer before counting would never finish.
    const server = await listen((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
      const pump = () => {
        while (!res.destroyed && res.write(bomb)) sent += bomb.length;
        if (!res.destroyed) res.once('drain', pump);
      };
      pump();
      res.on('error', () => undefined);
      res.on('close', hungUp);
    });
    const res = await createHttpClient().request({ url: `${server}/user`, maxBodyBytes: 2 * 1024 * 1024 });
    await expect(res.json()).rejects.toMatchObject({ code: 'response_too_large', message: expect.stringMatching(/larger than 2 MiB/) });
    await closed;
    expect(sent).toBeLessThan(64 * 1024 * 1024);
  });

  it('an answer that says gzip but is not: one line, no stack, no body', async () => {
    const server = await listen((_req, res) => res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' }).end('{"access_token":"gho_notcompressed"}'));
    const res = await createHttpClient().request({ url: `${server}/login/oauth/access_token` });
    const error = await res.json().catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'malformed_response', message: expect.stringMatching(/^127\.0\.0\.1:\d+ sent a compressed answer that could not be decoded \(Z_DATA_ERROR\)$/) });
    expect((error as Error).message).not.toContain('gho_');
  });

  it('release() frees a decoded body at once (its chunks are empty afterwards), and only that', async () => {
    const page = JSON.stringify(Array.from({ length: 400 }, (_, i) => ({ id: i, name: `repo-${i}`, description: 'x'.repeat(500) })));
    const server = await listen((req, res) => {
      if (req.url === '/plain') return res.writeHead(200, { 'content-type': 'application/json' }).end(page);
      res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' }).end(gzipSync(req.url === '/big' ? page.repeat(6) : page));
    });
    const http = createHttpClient();
    const small = Buffer.from('a small buffer from the shared pool');
    const gzipped = await http.request({ url: `${server}/user/repos` });
    const chunks = await gzipped.chunks();
    expect(Buffer.concat(chunks).toString('utf8')).toBe(page);
    expect(chunks).toHaveLength(1);
    gzipped.release();
    expect(chunks.every((c) => c.length === 0 && (c.buffer as ArrayBuffer).detached)).toBe(true);
    gzipped.release(); // twice is harmless
    // Larger than one output buffer (1 MB): joined into one, and that one freed.
    const big = await http.request({ url: `${server}/big` });
    const bigChunks = await big.chunks();
    expect(bigChunks).toHaveLength(1);
    expect(bigChunks[0]!.toString('utf8')).toBe(page.repeat(6));
    big.release();
    expect(bigChunks[0]!.length).toBe(0);
    // A body that came as it is stays the caller's until the garbage collector takes it.
    const plain = await http.request({ url: `${server}/plain` });
    const plainChunks = await plain.chunks();
    plain.release();
    expect(Buffer.concat(plainChunks).toString('utf8')).toBe(page);
    expect(small.toString()).toBe('a small buffer from the shared pool');
  });

  it('a caller may ask for no coding at all (identity)', async () => {
    const server = await listen((req, res) => res.end(JSON.stringify({ asked: req.headers['accept-encoding'] })));
    const res = await createHttpClient().request({ url: `${server}/x`, headers: { 'Accept-Encoding': 'identity' } });
    expect(await res.json()).toEqual({ asked: 'identity' });
  });
});

describe('--debug', () => {
  it('redacts an Authorization header even when no secret list names it (client_secret_basic)', async () => {
    const target = await listen((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"access_token":"at_secret","refresh_token":"rt_secret"}'));
    const lines: string[] = [];
    const basic = `Basic ${Buffer.from('client:s3cr3t-basic').toString('base64')}`;
    const res = await createHttpClient({ debug: (l) => lines.push(l) }).request({ url: `${target}/token`, method: 'POST', headers: { Authorization: basic }, form: { grant_type: 'refresh_token', refresh_token: 'rt_old_secret' } });
    await res.json();
    const trace = lines.join('\n');
    expect(trace).toContain('> authorization: Basic [REDACTED]');
    for (const secret of [basic.slice(6), 'rt_old_secret', 'at_secret', 'rt_secret']) expect(trace).not.toContain(secret);
  });
});

describe('certificates', () => {
  it('an untrusted certificate: one line naming the problem and both ways to trust a private CA', async () => {
    const { makeTestCa } = await import('../support/tls.js');
    const { createServer: createTls } = await import('node:https');
    const ca = makeTestCa();
    const leaf = ca.issue(['localhost.test', '127.0.0.1']);
    const server = createTls({ key: leaf.key, cert: leaf.cert }, (_req, res) => res.end('{}'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    try {
      await expect(createHttpClient().request({ url: `https://127.0.0.1:${port}/` })).rejects.toMatchObject({
        code: 'untrusted_certificate',
        message: expect.stringMatching(/TLS certificate of 127\.0\.0\.1:\d+ is signed by a certificate authority this machine does not trust \(UNABLE_TO_VERIFY_LEAF_SIGNATURE\)\. .*NODE_EXTRA_CA_CERTS.*NODE_USE_SYSTEM_CA=1/),
      });
    } finally {
      server.closeAllConnections();
      server.close();
      ca.cleanup();
    }
  });
});

describe("GitHub's secondary rate limits (docs: 'wait for at least one minute before retrying')", () => {
  const secondary = (retryAfter?: string) => (_req: unknown, res: import('node:http').ServerResponse) => {
    res.writeHead(403, { 'content-type': 'application/json', 'x-ratelimit-remaining': '4000', ...(retryAfter ? { 'retry-after': retryAfter } : {}) });
    res.end(JSON.stringify({ message: 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.' }));
  };

  it('without retry-after and with requests remaining: waits at least a minute, says so, then retries', async () => {
    let calls = 0;
    const target = await listen((req, res) => (++calls === 1 ? secondary()(req, res) : res.writeHead(200, { 'content-type': 'application/json' }).end('[]')));
    const waits: number[] = [];
    const notices: string[] = [];
    const http = createHttpClient({ sleep: async (ms) => void waits.push(ms), notice: (l) => notices.push(l) });
    expect((await http.request({ url: `${target}/user/repos`, retry: true })).status).toBe(200);
    expect(waits).toEqual([60_000]);
    expect(notices[0]).toMatch(/asked us to slow down; retrying in 60 s/);
  });

  it('a request that may not be retried (a POST), or one that keeps being limited, stops with one line', async () => {
    const target = await listen(secondary());
    const http = createHttpClient({ sleep: async () => undefined });
    await expect(http.request({ url: `${target}/x`, method: 'POST', form: {} })).rejects.toMatchObject({ code: 'rate_limited', message: expect.stringMatching(/secondary rate limit\): wait 60 s or more, then try again/) });
    await expect(http.request({ url: `${target}/x`, retry: true })).rejects.toMatchObject({ code: 'rate_limited' });
  });

  it('a 403 that is not a rate limit (a permission error) is the caller\'s to read', async () => {
    const target = await listen((_req, res) => res.writeHead(403, { 'content-type': 'application/json', 'x-ratelimit-remaining': '4000' }).end('{"message":"Resource not accessible by integration"}'));
    const res = await createHttpClient().request({ url: `${target}/x`, retry: true });
    expect(res.status).toBe(403);
    expect(await res.json()).toEqual({ message: 'Resource not accessible by integration' });
  });
});
