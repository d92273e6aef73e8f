// Guards for mistakes a tired change would make in code that is right today; each test below was
// seen to fail with its mistake planted (named in the test):
// - a git host matched by suffix, so evilgithub.com gets github.com's token;
// - the config written in place, so a reader at the wrong moment sees 0 bytes or half a file;
// - an ID token without `nonce` accepted when one was sent (OIDC Core §3.1.3.7 (11));
// - a host that merely starts with "127." treated as loopback, so plain http would go across a network.
// (The last of the issue's five, an `api` redirect to another port of the same host keeping the
// token, is in api-redirect-credentials.test.ts, between two real loopback servers.)
import { closeSync, mkdtempSync, openSync, readFileSync, readSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { answerGet } from '../../src/git/credential.js';
import { parseCredentialRequest } from '../../src/git/credential-protocol.js';
import { createHttpClient } from '../../src/http/client.js';
import { isLoopbackHost, isLoopbackHostname, originFor } from '../../src/http/insecure-hosts.js';
import { validateIdToken } from '../../src/oauth/id-token.js';
import { AccountStore, type AccountMeta } from '../../src/store/accounts.js';
import { testWorld, type TestWorld } from '../support/test-world.js';

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

describe('git credentials go to the very host (planted: a suffix match)', () => {
  async function signedIn(): Promise<TestWorld> {
    const w = testWorld({ env: { OAUTHCLI_GITHUB_CLIENT_ID: 'cid' } });
    cleanups.push(() => w.cleanup());
    await w.world.secrets('keychain').set('github:github.com:octocat', { accessToken: 'gho_github_only', tokenType: 'bearer', scopes: [] });
    await w.world.accounts.saveActive({ key: 'github:github.com:octocat', provider: 'github', host: 'github.com', login: 'octocat', id: '1', scopes: [], storage: 'keychain', signedInAt: '' });
    return w;
  }

  it.each(['evilgithub.com', 'github.com.evil.example', 'evil.github.com', 'notgithub.com:443', 'github.co', 'github.com.'])('%s gets nothing', async (host) => {
    const w = await signedIn();
    expect(await answerGet(w.world, parseCredentialRequest(`protocol=https\nhost=${host}\n`))).toEqual({});
  });

  it('github.com itself gets its token (the guard above is not a guard against everything)', async () => {
    const w = await signedIn();
    expect((await answerGet(w.world, parseCredentialRequest('protocol=https\nhost=github.com\n'))).answer?.password).toBe('gho_github_only');
  });
});

describe('the config file is replaced whole, never written in place (planted: writing into the file)', () => {
  const account = (login: string): AccountMeta => ({ key: `github:github.com:${login}`, provider: 'github', host: 'github.com', login, id: login, scopes: [], storage: 'keychain', signedInAt: '' });
  const tempDir = () => {
    const d = mkdtempSync(join(tmpdir(), 'oauthcli-tired-'));
    cleanups.push(() => rmSync(d, { recursive: true, force: true }));
    return d;
  };

  it('a reader that opened the file before a write still reads the old contents, whole; the new file is another inode', async () => {
    const dir = tempDir();
    const store = AccountStore.open(dir);
    await store.saveActive(account('first'));
    const path = join(dir, 'config.json');
    const before = readFileSync(path);
    const inode = statSync(path).ino;
    const fd = openSync(path, 'r');
    try {
      await store.saveActive(account('second'));
      const seen = Buffer.alloc(before.length + 4096);
      const n = readSync(fd, seen, 0, seen.length, 0);
      expect(seen.subarray(0, n).toString()).toBe(before.toString());
    } finally {
      closeSync(fd);
    }
    expect(statSync(path).ino).not.toBe(inode);
    expect(Object.keys((JSON.parse(readFileSync(path, 'utf8')) as { accounts: object }).accounts)).toHaveLength(2);
  });

  it('a reader in another thread, reading all along 40 writes of a 300 KB config, never sees 0 bytes or half a file', async () => {
    const dir = tempDir();
    const path = join(dir, 'config.json');
    // A config large enough that writing it in place takes many steps.
    const accounts = Object.fromEntries(Array.from({ length: 1500 }, (_, i) => [`github:github.com:u${i}`, account(`u${i}`)]));
    writeFileSync(path, JSON.stringify({ accounts, active: {}, providers: {} }, null, 2), { mode: 0o600 });
    const store = AccountStore.open(dir);
    const reader = new Worker(
      `const { readFileSync } = require('node:fs');
       const { parentPort, workerData } = require('node:worker_threads');
       let stop = false, reads = 0, bad = [];
       parentPort.on('message', () => { stop = true; });
       (function loop() {
         for (let i = 0; i < 200 && !stop; i++) {
           const text = readFileSync(workerData, 'utf8');
           reads++;
           try { JSON.parse(text); } catch { bad.push(text.length); }
         }
         if (stop) parentPort.postMessage({ reads, bad }); else setImmediate(loop);
       })();
       parentPort.postMessage('reading');`,
      { eval: true, workerData: path },
    );
    const report = new Promise<{ reads: number; bad: number[] }>((resolve, reject) => {
      reader.on('message', (m: unknown) => {
        if (m !== 'reading') resolve(m as { reads: number; bad: number[] });
      });
      reader.on('error', reject);
    });
    await new Promise<void>((resolve) => reader.once('message', () => resolve()));
    for (let i = 0; i < 40; i++) await store.saveActive(account(`w${i}`));
    reader.postMessage('stop');
    const { reads, bad } = await report;
    await reader.terminate();
    expect(reads).toBeGreaterThan(0);
    expect(bad).toEqual([]);
  });
});

describe('an ID token must carry the nonce that was sent (planted: a missing nonce let through)', () => {
  const ISSUER = 'https://issuer.example';
  const http = createHttpClient({ maxTries: 1 });
  let key: CryptoKey;
  let jwk: JWK;
  beforeAll(async () => {
    nock.disableNetConnect();
    const pair = await generateKeyPair('RS256');
    key = pair.privateKey;
    jwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
  });
  afterAll(() => {
    nock.cleanAll();
    nock.enableNetConnect();
  });
  const sign = (claims: Record<string, unknown>) => {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: 'k1' }).setIssuer(ISSUER).setAudience('client-1').setSubject('user-1').setIssuedAt(now - 10).setExpirationTime(now + 300).sign(key);
  };
  const check = (idToken: string, nonce: string | undefined) => {
    nock(ISSUER).get('/jwks').reply(200, { keys: [jwk] });
    return validateIdToken(http, { idToken, issuer: ISSUER, clientId: 'client-1', jwksUri: `${ISSUER}/jwks`, ...(nonce === undefined ? {} : { nonce }) });
  };

  it('no nonce claim when one was sent: refused', async () => {
    await expect(check(await sign({ email: 'a@example.com' }), 'n-1')).rejects.toMatchObject({ code: 'invalid_id_token', message: expect.stringMatching(/nonce/) });
  });

  it('an empty nonce claim when one was sent: refused', async () => {
    await expect(check(await sign({ nonce: '' }), 'n-1')).rejects.toMatchObject({ code: 'invalid_id_token' });
  });

  it('the nonce sent: accepted; none sent (the device flow) and none in the token: accepted', async () => {
    await expect(check(await sign({ nonce: 'n-1' }), 'n-1')).resolves.toMatchObject({ sub: 'user-1' });
    await expect(check(await sign({}), undefined)).resolves.toMatchObject({ sub: 'user-1' });
  });
});

describe('loopback means 127.0.0.0/8, ::1 and localhost, nothing that only starts like them (planted: a prefix test)', () => {
  const NOT_LOOPBACK = ['127.evil.com', '127.0.0.1.evil.com', '127.0.0.1.nip.io', 'localhost.evil.com', '127.0.0.1evil.com', 'evil127.0.0.1', '127.1', '::1.evil.com'];

  it.each(NOT_LOOPBACK)('%s is not loopback', (host) => {
    expect(isLoopbackHostname(host)).toBe(false);
    expect(isLoopbackHost(`${host}:8080`)).toBe(false);
    expect(originFor(host)).toBe(`https://${host}`);
  });

  it.each(['127.0.0.1', '127.1.2.3', 'localhost', '[::1]'])('%s is loopback', (host) => {
    expect(isLoopbackHost(host)).toBe(true);
  });

  it('the HTTP client refuses plain http to 127.evil.com before any request (no lookup, no connection)', async () => {
    let dispatched = 0;
    const client = createHttpClient({
      dispatcher: {
        request: () => {
          dispatched++;
          throw new Error('no request may be made');
        },
      } as never,
    });
    await expect(client.request({ url: 'http://127.evil.com/login/oauth/access_token' })).rejects.toMatchObject({ code: 'insecure_url' });
    await expect(client.request({ url: 'http://127.0.0.1.evil.com:8080/' })).rejects.toMatchObject({ code: 'insecure_url' });
    expect(dispatched).toBe(0);
  });

  it('git credentials are not given over plain http to 127.evil.com', async () => {
    const w = testWorld({ env: { OAUTHCLI_GITHUB_CLIENT_ID: 'cid' } });
    cleanups.push(() => w.cleanup());
    await w.world.secrets('keychain').set('github:127.evil.com:octocat', { accessToken: 'gho_x', tokenType: 'bearer', scopes: [] });
    await w.world.accounts.saveActive({ key: 'github:127.evil.com:octocat', provider: 'github', host: '127.evil.com', login: 'octocat', id: '1', scopes: [], storage: 'keychain', signedInAt: '' });
    expect(await answerGet(w.world, parseCredentialRequest('protocol=http\nhost=127.evil.com\n'))).toEqual({});
  });
});
