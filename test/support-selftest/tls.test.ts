import { execFile } from 'node:child_process';
import { createServer, get } from 'node:https';
import type { Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestCa, selfSigned } from '../support/tls.js';
import type { TestCa } from '../support/tls.js';

const run = promisify(execFile);

function listen(server: Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
}

/** GET https://<name>:<port>/ with <name> pinned to 127.0.0.1; resolves with the body or rejects with the TLS error. */
function fetchAs(name: string, port: number, ca?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = get({ host: name, port, path: '/', ca, agent: false, lookup: (_h, _o, cb) => cb(null, [{ address: '127.0.0.1', family: 4 }]) }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c)).on('end', () => resolve(body));
    });
    req.on('error', reject);
  });
}

describe('test CA (tls.ts)', () => {
  let ca: TestCa;
  let server: Server;
  let port: number;

  beforeAll(async () => {
    ca = makeTestCa();
    const leaf = ca.issue(['ghe.corp.test', '127.0.0.1']);
    server = createServer({ key: leaf.key, cert: leaf.cert }, (_req, res) => res.end('hello over tls'));
    port = await listen(server);
  });
  afterAll(() => {
    server?.close();
    ca?.cleanup();
  });

  it('issues certificates with the requested names, signed by the CA', async () => {
    const leaf = ca.issue(['api.acme.ghe.com', '::1']);
    const { stdout } = await run('openssl', ['x509', '-in', leaf.certPath, '-noout', '-ext', 'subjectAltName,extendedKeyUsage,basicConstraints']);
    expect(stdout).toContain('DNS:api.acme.ghe.com');
    expect(stdout).toMatch(/IP Address:0:0:0:0:0:0:0:1/);
    expect(stdout).toContain('TLS Web Server Authentication');
    expect(stdout).toContain('CA:FALSE');
    await expect(run('openssl', ['verify', '-CAfile', ca.caCertPath, leaf.certPath])).resolves.toMatchObject({ stdout: `${leaf.certPath}: OK\n` });
  });

  it('an issued certificate is trusted given the CA, in-process', async () => {
    await expect(fetchAs('ghe.corp.test', port, ca.caCert)).resolves.toBe('hello over tls');
  });

  it('an issued certificate is rejected without the CA', async () => {
    await expect(fetchAs('ghe.corp.test', port)).rejects.toMatchObject({ code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' });
  });

  it('a name not in the certificate is rejected even with the CA', async () => {
    await expect(fetchAs('other.corp.test', port, ca.caCert)).rejects.toMatchObject({ code: 'ERR_TLS_CERT_ALTNAME_INVALID' });
  });

  it('NODE_EXTRA_CA_CERTS makes a child process trust it', async () => {
    const script = `fetch('https://127.0.0.1:${port}/').then((r) => r.text()).then(console.log, (e) => { console.log(e.cause?.code); process.exitCode = 1; })`;
    const child = (extra?: string) =>
      run(process.execPath, ['-e', script], { env: { PATH: process.env.PATH, ...(extra ? { NODE_EXTRA_CA_CERTS: extra } : {}) } }).then(
        (r) => r.stdout.trim(),
        (e: { stdout: string }) => e.stdout.trim(),
      );
    expect(await child(ca.caCertPath)).toBe('hello over tls');
    expect(await child()).toBe('UNABLE_TO_VERIFY_LEAF_SIGNATURE');
  });

  it('selfSigned makes a certificate nobody trusts', async () => {
    const self = selfSigned(['self.corp.test']);
    const s = createServer({ key: self.key, cert: self.cert }, (_req, res) => res.end('x'));
    try {
      const p = await listen(s);
      await expect(fetchAs('self.corp.test', p, ca.caCert)).rejects.toMatchObject({ code: 'DEPTH_ZERO_SELF_SIGNED_CERT' });
      await expect(fetchAs('self.corp.test', p)).rejects.toMatchObject({ code: 'DEPTH_ZERO_SELF_SIGNED_CERT' });
    } finally {
      s.close();
      self.cleanup();
    }
  });
});
