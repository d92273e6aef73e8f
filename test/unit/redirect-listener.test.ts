import { request } from 'node:http';
import { connect } from 'node:net';
import { networkInterfaces } from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import { startRedirectListener, type RedirectListener } from '../../src/oauth/redirect-listener.js';
import { escapeHtml, page } from '../../src/oauth/pages.js';

const STATE = 'expected-state-value';
let listener: RedirectListener | undefined;
afterEach(async () => {
  await listener?.close();
  listener = undefined;
});

function get(port: number, path: string, method = 'GET', host = '127.0.0.1'): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request({ host, port, path, method, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
    });
    req.on('error', reject);
    req.end();
  });
}

function connects(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

const start = (over: Partial<Parameters<typeof startRedirectListener>[0]> = {}) =>
  startRedirectListener({ expectedState: STATE, expectedIssuer: 'https://issuer.example', timeoutMs: 10_000, ...over }).then((l) => (listener = l));

describe('loopback listener', () => {
  it('listens on 127.0.0.1 only, on a port the OS picked', async () => {
    const l = await start();
    expect(l.redirectUri).toBe(`http://127.0.0.1:${l.port}/callback`);
    expect(l.port).toBeGreaterThan(1024);
    expect(await connects('127.0.0.1', l.port)).toBe(true);
    // Another loopback address of this machine, and every non-loopback one, is refused.
    expect(await connects('127.0.0.2', l.port)).toBe(false);
    const others = Object.values(networkInterfaces()).flat().filter((i) => i && !i.internal && i.family === 'IPv4');
    for (const other of others) expect(await connects(other!.address, l.port)).toBe(false);
    expect(await connects('::1', l.port)).toBe(false);
  });

  it('refuses a wrong or missing state and keeps waiting for the real callback', async () => {
    const l = await start();
    const wrong = await get(l.port, '/callback?code=abc&state=nope');
    expect(wrong.status).toBe(400);
    const missing = await get(l.port, '/callback?code=abc');
    expect(missing.status).toBe(400);
    const ok = await get(l.port, `/callback?code=the-code&state=${STATE}`);
    expect(ok.status).toBe(200);
    expect(ok.body).toContain('You may close this tab');
    expect(ok.headers['content-security-policy']).toBe("default-src 'none'; style-src 'unsafe-inline'");
    await expect(l.result).resolves.toEqual({ code: 'the-code' });
  });

  it('refuses a second callback after success', async () => {
    const l = await start();
    await get(l.port, `/callback?code=first&state=${STATE}`);
    await expect(l.result).resolves.toEqual({ code: 'first' });
    const second = await get(l.port, `/callback?code=second&state=${STATE}`).catch(() => ({ status: 0, body: '' }));
    // Either refused with a page, or the listener is already closed: never accepted.
    expect([0, 409]).toContain(second.status);
    expect(l.submitRedirectUrl(`${l.redirectUri}?code=third&state=${STATE}`)).toMatchObject({ accepted: false });
  });

  it('answers 404 to anything but GET /callback', async () => {
    const l = await start();
    expect((await get(l.port, '/')).status).toBe(404);
    expect((await get(l.port, '/favicon.ico')).status).toBe(404);
    expect((await get(l.port, `/callback?code=x&state=${STATE}`, 'POST')).status).toBe(404);
    await l.close();
  });

  it('rejects with a clear error after the timeout and closes', async () => {
    const l = await start({ timeoutMs: 150 });
    await expect(l.result).rejects.toMatchObject({ code: 'timeout', message: expect.stringMatching(/no answer from the browser/) });
    expect(await connects('127.0.0.1', l.port)).toBe(false);
  });

  it('turns an error response into a failure and escapes what it reflects', async () => {
    const l = await start();
    const xss = `<script>alert("x")</script><img src=x onerror=alert(1)>`;
    const res = await get(l.port, `/callback?error=access_denied&error_description=${encodeURIComponent(xss)}&state=${STATE}`);
    expect(res.status).toBe(200);
    expect(res.body).not.toContain('<script>');
    expect(res.body).not.toContain('<img');
    expect(res.body).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
    await expect(l.result).rejects.toMatchObject({ code: 'access_denied', kind: 'failure' });
  });

  it('checks iss (RFC 9207) when the response carries one', async () => {
    const l = await start();
    expect((await get(l.port, `/callback?code=x&state=${STATE}&iss=https%3A%2F%2Fevil.example`)).status).toBe(400);
    expect((await get(l.port, `/callback?code=y&state=${STATE}&iss=https%3A%2F%2Fissuer.example`)).status).toBe(200);
    await expect(l.result).resolves.toEqual({ code: 'y' });
  });

  it('accepts a pasted redirect URL with the right state, refuses a wrong one', async () => {
    const l = await start();
    expect(l.submitRedirectUrl('not a url')).toMatchObject({ accepted: false });
    expect(l.submitRedirectUrl(`http://127.0.0.1:1/callback?code=x&state=${STATE}`)).toMatchObject({ accepted: false });
    expect(l.submitRedirectUrl(`${l.redirectUri}?code=x&state=wrong`)).toMatchObject({ accepted: false, reason: expect.stringMatching(/state/) });
    expect(l.submitRedirectUrl(`${l.redirectUri}?code=pasted&state=${STATE}`)).toEqual({ accepted: true });
    await expect(l.result).resolves.toEqual({ code: 'pasted' });
  });

  it('rejects as interrupted on abort', async () => {
    const controller = new AbortController();
    const l = await start({ signal: controller.signal });
    controller.abort();
    await expect(l.result).rejects.toMatchObject({ kind: 'interrupted' });
  });
});

describe('pages', () => {
  it('escape every reflected value', () => {
    expect(escapeHtml(`<a href="x" onclick='y'>&\``)).toBe('&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;&#96;');
    const html = page('<t>', '<m>', '<d>');
    expect(html).not.toMatch(/<t>|<m>|<d>/);
    expect(html).not.toMatch(/src=|href=|<script|<link/);
  });
});

describe('hostile local clients', () => {
  /** Sends raw bytes and resolves with the status line of the answer. */
  function raw(port: number, text: string): Promise<string> {
    return new Promise((resolve) => {
      const socket = connect({ host: '127.0.0.1', port });
      let answer = '';
      socket.on('data', (d) => (answer += d.toString()));
      socket.on('close', () => resolve(answer.split('\r\n')[0] ?? ''));
      socket.on('error', () => resolve(answer.split('\r\n')[0] ?? ''));
      socket.end(text);
    });
  }

  it('a malformed request target (GET http://[ HTTP/1.1) gets 400 and the sign-in goes on', async () => {
    const l = await start();
    expect(await raw(l.port, 'GET http://[ HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n')).toBe('HTTP/1.1 400 Bad Request');
    expect(await raw(l.port, 'NOT HTTP AT ALL\r\n\r\n')).toMatch(/^HTTP\/1\.1 400/);
    const ok = await get(l.port, `/callback?code=abc&state=${STATE}&iss=${encodeURIComponent('https://issuer.example')}`);
    expect(ok.status).toBe(200);
    await expect(l.result).resolves.toEqual({ code: 'abc' });
  });
});

describe('RFC 9207', () => {
  it('when the issuer advertises authorization_response_iss_parameter_supported, a response without iss is refused', async () => {
    const l = await start({ requireIssuer: true });
    const without = await get(l.port, `/callback?code=abc&state=${STATE}`);
    expect(without.status).toBe(400);
    expect(l.submitRedirectUrl(`${l.redirectUri}?code=abc&state=${STATE}`)).toEqual({ accepted: false, reason: expect.stringMatching(/does not name its issuer/) });
    const withIss = await get(l.port, `/callback?code=abc&state=${STATE}&iss=${encodeURIComponent('https://issuer.example')}`);
    expect(withIss.status).toBe(200);
    await expect(l.result).resolves.toEqual({ code: 'abc' });
  });
});
