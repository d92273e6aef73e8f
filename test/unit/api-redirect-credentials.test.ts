// `oauthcli api` following redirects through the real HTTP client between two loopback servers
// on different ports (two origins): every credential (the token, and Authorization, Cookie,
// Private-Token, … given with -H) reaches the origin the request was sent to, and none reaches
// another, whatever the redirect status (301, 302, 303, 307, 308), as Go's client (so gh) drops
// them for another host. A port is part of the origin (RFC 6454 §4): another port of the same
// host is another server.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { run, type ApiOptions } from '../../src/cli/commands/api.js';
import { reportError } from '../../src/cli/errors.js';
import { createHttpClient } from '../../src/http/client.js';
import { testWorld, type TestWorld } from '../support/test-world.js';

const TOKEN = 'gho_redirectTestToken0123456789';
const CREDENTIALS = ['Authorization: token mine', 'Cookie: session=s3cret', 'Private-Token: glpat-s3cret', 'Proxy-Authorization: Basic czNjcmV0', 'X-Api-Key: k3y', 'X-Auth-Token: t0k'];

interface Seen {
  server: 'first' | 'second';
  path: string;
  headers: IncomingHttpHeaders;
}
let seen: Seen[] = [];
/** What the first server answers for a path other than the landing page. */
let redirect: { status: number; location: () => string } = { status: 302, location: () => '/' };

function listen(name: Seen['server']): Promise<Server> {
  const server = createServer((req, res) => {
    seen.push({ server: name, path: req.url ?? '', headers: req.headers });
    req.resume();
    if (name === 'first' && !req.url?.startsWith('/api/v3/landing')) {
      res.writeHead(redirect.status, { location: redirect.location() }).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"landed":true}');
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

let first: Server;
let second: Server;
const port = (s: Server) => (s.address() as AddressInfo).port;
const worlds: TestWorld[] = [];

beforeAll(async () => {
  [first, second] = await Promise.all([listen('first'), listen('second')]);
});
afterAll(async () => {
  await Promise.all([first, second].map((s) => new Promise((resolve) => s.close(resolve))));
});
afterEach(() => {
  seen = [];
  for (const w of worlds.splice(0)) w.cleanup();
});

/** `oauthcli api PATH -H …` with a token for the GitHub Enterprise server at the first server's address. */
async function api(path: string, opts: ApiOptions = {}): Promise<{ code: number; t: TestWorld }> {
  const t = testWorld({ env: { OAUTHCLI_GITHUB_TOKEN: TOKEN, OAUTHCLI_GITHUB_HOST: `127.0.0.1:${port(first)}` }, http: createHttpClient({ env: {} }) });
  worlds.push(t);
  let code: number;
  try {
    code = await run(t.world, path, undefined, { rawField: [], field: [], header: [], ...opts });
  } catch (error) {
    code = reportError(error, { stderr: t.world.stderr, debug: false, redact: t.world.redact });
  }
  return { code, t };
}

const CREDENTIAL_NAMES = ['authorization', 'cookie', 'private-token', 'proxy-authorization', 'x-api-key', 'x-auth-token'];
const credentialsIn = (headers: IncomingHttpHeaders) => CREDENTIAL_NAMES.filter((n) => headers[n] !== undefined);

describe('a redirect to another port of the same host (another origin)', () => {
  it.each([301, 302, 303, 307, 308])('%i: the token and every credential header stay with the first server; other headers go on', async (status) => {
    redirect = { status, location: () => `http://127.0.0.1:${port(second)}/api/v3/landing` };
    const { code, t } = await api('/start', { header: [...CREDENTIALS, 'X-Request-Note: keep me'] });
    expect(code, t.stderr()).toBe(0);
    expect(t.stdout()).toBe('{"landed":true}');
    expect(seen.map((s) => [s.server, s.path])).toEqual([
      ['first', '/api/v3/start'],
      ['second', '/api/v3/landing'],
    ]);
    expect(credentialsIn(seen[0]!.headers)).toEqual(CREDENTIAL_NAMES);
    expect(credentialsIn(seen[1]!.headers)).toEqual([]);
    expect(JSON.stringify(seen[1]!.headers)).not.toMatch(/s3cret|k3y|t0k|mine|gho_/);
    expect(seen[1]!.headers['x-request-note']).toBe('keep me');
  });

  it('the stored token alone (no -H): not sent to the other port', async () => {
    redirect = { status: 301, location: () => `http://127.0.0.1:${port(second)}/api/v3/landing` };
    const { code } = await api('/user');
    expect(code).toBe(0);
    expect(seen[0]!.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(seen[1]!.headers.authorization).toBeUndefined();
  });

  it('sent back to the first origin by the other server: still without credentials (the other server chose where it goes)', async () => {
    // first → second → first: the second server redirects back to the first's landing page.
    const back = createServer((req, res) => {
      seen.push({ server: 'second', path: req.url ?? '', headers: req.headers });
      res.writeHead(307, { location: `http://127.0.0.1:${port(first)}/api/v3/landing` }).end();
    });
    await new Promise<void>((resolve) => back.listen(0, '127.0.0.1', resolve));
    try {
      redirect = { status: 307, location: () => `http://127.0.0.1:${(back.address() as AddressInfo).port}/bounce` };
      const { code } = await api('/start', { header: ['Cookie: session=s3cret'] });
      expect(code).toBe(0);
      expect(seen.map((s) => [s.server, credentialsIn(s.headers)])).toEqual([
        ['first', ['authorization', 'cookie']],
        ['second', []],
        ['first', []],
      ]);
    } finally {
      await new Promise((resolve) => back.close(resolve));
    }
  });
});

describe('a redirect within the origin', () => {
  it('keeps the token and the credential headers (a renamed repository)', async () => {
    redirect = { status: 301, location: () => '/api/v3/landing' };
    const { code } = await api('/repos/old/name', { header: ['Cookie: session=s3cret'] });
    expect(code).toBe(0);
    expect(seen.map((s) => [s.server, s.path, credentialsIn(s.headers)])).toEqual([
      ['first', '/api/v3/repos/old/name', ['authorization', 'cookie']],
      ['first', '/api/v3/landing', ['authorization', 'cookie']],
    ]);
  });
});
