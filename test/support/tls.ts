/**
 * A throw-away certificate authority for tests that talk TLS to fake servers under made-up
 * names (ghe.corp.test, api.acme.ghe.com, …). The openssl binary does the work, so what the
 * CLI sees is an ordinary X.509 chain: tests hand it the CA with NODE_EXTRA_CA_CERTS (or
 * `ca:` in-process), and a server uses an issued `{ key, cert }` with https.createServer.
 *
 * Every openssl call gets its own minimal config file, so /etc/ssl/openssl.cnf and
 * OPENSSL_CONF cannot change what is issued. Keys are P-256: fast to make, and accepted by
 * Node, curl and git alike.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A certificate and its private key, as PEM text and as files. */
export interface IssuedCert {
  /** DNS names and IP addresses in the subjectAltName, in the order given. */
  names: string[];
  /** PEM private key; pass as `key` to https.createServer. */
  key: string;
  /** PEM certificate; pass as `cert` to https.createServer. */
  cert: string;
  keyPath: string;
  certPath: string;
}

export interface TestCa {
  dir: string;
  /** PEM of the CA certificate, for an in-process client's `ca:` option. */
  caCert: string;
  /** File holding `caCert`: what the CLI gets through NODE_EXTRA_CA_CERTS (or git through GIT_SSL_CAINFO). */
  caCertPath: string;
  caKeyPath: string;
  /** A server certificate for `names` (DNS names and/or IP addresses) signed by this CA. */
  issue(names: string[]): IssuedCert;
  /** Removes `dir` if makeTestCa created it. */
  cleanup(): void;
}

const DAYS = '30';

// RFC 5280 §4.2.1.9 / §4.2.1.3: a CA certificate must say CA:TRUE (critical) and may sign
// certificates (keyCertSign). The key identifiers let verifiers link leaf to issuer (§4.2.1.1-2).
const CA_EXTENSIONS = [
  'basicConstraints = critical, CA:TRUE',
  'keyUsage = critical, keyCertSign, cRLSign',
  'subjectKeyIdentifier = hash',
];

// A TLS server certificate (RFC 5280 §4.2.1.12 serverAuth); the names live in subjectAltName,
// which is all that clients check (RFC 6125 §6.4.4: the CN is ignored when SANs are present).
function leafExtensions(names: string[], issuedByCa: boolean): string[] {
  return [
    'basicConstraints = critical, CA:FALSE',
    'keyUsage = critical, digitalSignature',
    'extendedKeyUsage = serverAuth',
    `subjectAltName = ${names.map((n) => (isIP(n) ? `IP:${n}` : `DNS:${n}`)).join(', ')}`,
    'subjectKeyIdentifier = hash',
    ...(issuedByCa ? ['authorityKeyIdentifier = keyid:always'] : []),
  ];
}

/** A config with just a subject and one extension section, named `ext`. */
function writeConfig(path: string, commonName: string, extensions: string[]): void {
  // Double quotes protect spaces; openssl config values have no other escaping we need.
  const cn = commonName.slice(0, 64).replace(/"/g, '');
  writeFileSync(path, ['[req]', 'distinguished_name = dn', 'prompt = no', '[dn]', `CN = "${cn}"`, '[ext]', ...extensions, ''].join('\n'));
}

function openssl(args: string[], configPath: string): void {
  execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, OPENSSL_CONF: configPath } });
}

function newKeyArgs(keyPath: string): string[] {
  return ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', keyPath];
}

function fileStem(names: string[], n: number): string {
  return `${n}-${(names[0] ?? 'cert').replace(/[^A-Za-z0-9.-]/g, '_')}`;
}

function checkNames(names: string[]): void {
  if (names.length === 0) throw new Error('a certificate needs at least one name');
}

function read(names: string[], keyPath: string, certPath: string): IssuedCert {
  return { names: [...names], key: readFileSync(keyPath, 'utf8'), cert: readFileSync(certPath, 'utf8'), keyPath, certPath };
}

/** Creates a CA (key and self-signed certificate) in `dir`, or in a fresh temp dir. */
export function makeTestCa(dir?: string): TestCa {
  const ownDir = dir === undefined;
  const root = dir ?? mkdtempSync(join(tmpdir(), 'oauthcli-ca-'));
  mkdirSync(root, { recursive: true });
  const caKeyPath = join(root, 'ca.key');
  const caCertPath = join(root, 'ca.pem');
  const caConfig = join(root, 'ca.cnf');
  writeConfig(caConfig, `oauthcli test CA ${randomBytes(4).toString('hex')}`, CA_EXTENSIONS);
  openssl(['req', '-x509', '-config', caConfig, '-extensions', 'ext', ...newKeyArgs(caKeyPath), '-out', caCertPath, '-days', DAYS], caConfig);
  let issued = 0;

  return {
    dir: root,
    caCert: readFileSync(caCertPath, 'utf8'),
    caCertPath,
    caKeyPath,
    issue(names) {
      checkNames(names);
      const stem = join(root, fileStem(names, ++issued));
      const [keyPath, csrPath, certPath, config] = ['.key', '.csr', '.pem', '.cnf'].map((ext) => stem + ext) as [string, string, string, string];
      writeConfig(config, names[0]!, leafExtensions(names, true));
      openssl(['req', '-new', '-config', config, ...newKeyArgs(keyPath), '-out', csrPath], config);
      openssl(
        ['x509', '-req', '-in', csrPath, '-CA', caCertPath, '-CAkey', caKeyPath, '-set_serial', `0x${randomBytes(16).toString('hex')}`,
          '-days', DAYS, '-extfile', config, '-extensions', 'ext', '-out', certPath],
        config,
      );
      return read(names, keyPath, certPath);
    },
    cleanup() {
      if (ownDir) rmSync(root, { recursive: true, force: true });
    },
  };
}

/** A self-signed server certificate that no CA vouches for (clients must reject it). */
export function selfSigned(names: string[], dir?: string): IssuedCert & { cleanup(): void } {
  checkNames(names);
  const ownDir = dir === undefined;
  const root = dir ?? mkdtempSync(join(tmpdir(), 'oauthcli-selfsigned-'));
  mkdirSync(root, { recursive: true });
  const stem = join(root, `self-${fileStem(names, Date.now())}`);
  const config = `${stem}.cnf`;
  writeConfig(config, names[0]!, leafExtensions(names, false));
  openssl(['req', '-x509', '-config', config, '-extensions', 'ext', ...newKeyArgs(`${stem}.key`), '-out', `${stem}.pem`, '-days', DAYS], config);
  return {
    ...read(names, `${stem}.key`, `${stem}.pem`),
    cleanup() {
      if (ownDir) rmSync(root, { recursive: true, force: true });
    },
  };
}
