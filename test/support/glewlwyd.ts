/**
 * A REAL glewlwyd (Debian's package, 2.7.5, /usr/bin/glewlwyd) for end-to-end tests: an OpenID
 * Connect server that compares redirect URIs as exact strings, which the loopback port of
 * RFC 8252 §7.3 cannot satisfy without a fixed port.
 *
 * Each start makes a temp folder with:
 * - a sqlite3 database made from Debian's own install script
 *   (/usr/share/dbconfig-common/data/glewlwyd/install/sqlite3: the schema, the `database` user
 *   and client backends, and the `admin` user whose password is `password`, GETTING_STARTED.md),
 *   run through node:sqlite, so no sqlite3 program is needed;
 * - a copy of the web application (/usr/share/glewlwyd/webapp: the login and grant pages; the
 *   static file server refuses symlinks that leave its folder) with Debian's template config.json;
 * - a glewlwyd.conf (after /etc/glewlwyd/glewlwyd.conf) that binds 127.0.0.1 on a free port,
 *   logs to the console and names the folder's database and web application.
 *
 * Then, through the admin API with the admin's session cookie (API.md): the OpenID Connect
 * plugin (OIDC.md: RS256 keys made here, the code flow with PKCE, the device flow, refresh tokens
 * that are one-use and rolling, revocation and introspection), the scopes `profile` and `email`,
 * a user, and two clients whose only redirect URI is `http://127.0.0.1:<fixed port>/callback`:
 * a public one and a confidential one (client_secret_basic).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import type { Page } from 'playwright-core';

export const GLEWLWYD = '/usr/bin/glewlwyd';
const DEBIAN_SCHEMA = '/usr/share/dbconfig-common/data/glewlwyd/install/sqlite3';
const WEBAPP = '/usr/share/glewlwyd/webapp';
const WEBAPP_CONFIG = '/usr/share/glewlwyd/templates/config.json';
/** Debian's install script creates this admin (GETTING_STARTED.md: "login admin, password password"). */
const ADMIN = { username: 'admin', password: 'password' };
const PLUGIN = 'oidc';

export const glewlwydInstalled = existsSync(GLEWLWYD) && existsSync(DEBIAN_SCHEMA) && existsSync(WEBAPP);

export interface GlewlwydUser {
  username: string;
  password: string;
  name: string;
  email: string;
}

export interface Glewlwyd {
  /** `http://127.0.0.1:PORT/api/oidc`: the issuer, as the discovery document names it. */
  issuer: string;
  /** `127.0.0.1:PORT` */
  host: string;
  /** The one redirect URI both clients have, exactly. */
  redirectUri: string;
  redirectPort: number;
  user: GlewlwydUser;
  publicClient: { clientId: string };
  confidentialClient: { clientId: string; clientSecret: string };
  /** Whether glewlwyd's userinfo endpoint still takes an access token (OIDC.md: it checks revocation). */
  accessTokenWorks(accessToken: string): Promise<boolean>;
  /**
   * RFC 7662 introspection as the confidential client: whether glewlwyd still takes a token that
   * client was issued (glewlwyd shows a client only its own tokens: "introspection-revocation-allow-target-client").
   */
  isActive(token: string, hint?: 'access_token' | 'refresh_token'): Promise<boolean>;
  /** What glewlwyd wrote on its console (for a failing test's message). */
  log(): string;
  close(): Promise<void>;
}

/** A port nobody listens on now, on 127.0.0.1. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (!address || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/** The longest one step of a start (the started line, one admin call, a shutdown) may take. */
const STEP_MS = 20_000;

/** Starts one; a start that fails (another program took the free port first) is tried again on another port, twice at most. */
export async function startGlewlwyd(opts: { redirectPort: number }): Promise<Glewlwyd> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(opts);
    } catch (error) {
      if (attempt === 3) throw error;
    }
  }
}

async function startOnce(opts: { redirectPort: number }): Promise<Glewlwyd> {
  const root = mkdtempSync(join(tmpdir(), 'glewlwyd-'));
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const database = join(root, 'glewlwyd.sqlite');
  const db = new DatabaseSync(database);
  db.exec(readFileSync(DEBIAN_SCHEMA, 'utf8'));
  db.close();

  const web = join(root, 'webapp');
  mkdirSync(web);
  // cp -L: Debian links bootstrap and the fonts from other packages, and glewlwyd serves no file
  // whose real path leaves its folder (cpSync's dereference keeps nested links as links).
  const entries = readdirSync(WEBAPP).filter((e) => e !== 'config.json');
  execFileSync('cp', ['-rL', ...entries.map((e) => join(WEBAPP, e)), web]);
  cpSync(WEBAPP_CONFIG, join(web, 'config.json'));

  const mime = [
    ['.html', 'text/html'],
    ['.css', 'text/css'],
    ['.js', 'application/javascript'],
    ['.json', 'application/json'],
    ['.png', 'image/png'],
    ['.ico', 'image/x-icon'],
    ['.woff', 'font/woff'],
    ['.woff2', 'font/woff2'],
    ['.ttf', 'font/ttf'],
  ];
  const conf = join(root, 'glewlwyd.conf');
  writeFileSync(
    conf,
    [
      `port=${port}`,
      // Loopback only: the default binds every address.
      'bind_address="127.0.0.1"',
      `external_url="${origin}"`,
      'login_url="login.html"',
      `static_files_path="${web}"`,
      'api_prefix="api"',
      'allow_origin="*"',
      'log_mode="console"',
      'log_level="INFO"',
      'cookie_secure=0',
      'cookie_same_site="empty"',
      'session_expiration=3600',
      'session_key="GLEWLWYD2_SESSION_ID"',
      'admin_scope="g_admin"',
      'profile_scope="g_profile"',
      'admin_session_authentication="cookie"',
      'profile_session_authentication="cookie"',
      'allow_multiple_user_per_session=true',
      'login_api_enabled=true',
      'add_x_frame_option_header_deny=true',
      'max_post_size=16778240',
      'user_module_path="/usr/lib/glewlwyd/user"',
      'client_module_path="/usr/lib/glewlwyd/client"',
      'user_auth_scheme_module_path="/usr/lib/glewlwyd/scheme"',
      'plugin_module_path="/usr/lib/glewlwyd/plugin"',
      'hash_algorithm="SHA512"',
      `database = { type = "sqlite3"; path = "${database}"; };`,
      `static_files_mime_types = ( ${mime.map(([e, t]) => `{ extension = "${e}"; mime_type = "${t}"; }`).join(', ')} );`,
      '',
    ].join('\n'),
  );

  const child = spawn(GLEWLWYD, ['--config-file', conf], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      // A glewlwyd that hangs in its shutdown is killed: the next test needs the machine.
      const kill = setTimeout(() => child.kill('SIGKILL'), STEP_MS);
      await exited;
      clearTimeout(kill);
    }
    rmSync(root, { recursive: true, force: true });
  };
  try {
    await startedLine(child, () => output);
    await listening(port, child);
    const user: GlewlwydUser = { username: 'alice', password: 'alice-password-1', name: 'Alice Example', email: 'alice@example.com' };
    const redirectUri = `http://127.0.0.1:${opts.redirectPort}/callback`;
    const confidentialClient = { clientId: 'oauthcli-confidential', clientSecret: 'confidential-secret-1' };
    await configure(origin, user, redirectUri, confidentialClient);
    const issuer = `${origin}/api/${PLUGIN}`;
    return {
      issuer,
      host: `127.0.0.1:${port}`,
      redirectUri,
      redirectPort: opts.redirectPort,
      user,
      publicClient: { clientId: 'oauthcli-public' },
      confidentialClient,
      async accessTokenWorks(accessToken) {
        const res = await fetch(`${issuer}/userinfo`, { headers: { authorization: `Bearer ${accessToken}` } });
        await res.arrayBuffer();
        return res.status === 200;
      },
      async isActive(token, hint) {
        const res = await fetch(`${issuer}/introspect`, {
          method: 'POST',
          headers: { authorization: `Basic ${Buffer.from(`${confidentialClient.clientId}:${confidentialClient.clientSecret}`).toString('base64')}` },
          body: new URLSearchParams({ token, ...(hint ? { token_type_hint: hint } : {}) }),
        });
        const body = (await res.json()) as { active?: boolean };
        return body.active === true;
      },
      log: () => output,
      close: stop,
    };
  } catch (error) {
    await stop();
    const cause = (error as Error).cause;
    throw new Error(`glewlwyd did not start: ${(error as Error).message}${cause ? ` (${String(cause)})` : ''}\n${output}`);
  }
}

/** Resolves on glewlwyd's "started on port" line; rejects when it exits first. */
function startedLine(child: ChildProcess, output: () => string): Promise<void> {
  return new Promise((resolve, reject) => {
    const check = () => {
      if (/Glewlwyd started on port/.test(output())) {
        child.stdout!.off('data', check);
        child.stderr!.off('data', check);
        child.off('exit', exited);
        clearTimeout(timer);
        resolve();
      }
    };
    const exited = (code: number | null) => reject(new Error(`glewlwyd exited (${String(code)})`));
    // A start that never says so is given up (and tried again by startGlewlwyd) rather than waited on for ever.
    const timer = setTimeout(() => reject(new Error(`no "started" line within ${STEP_MS / 1000} s`)), STEP_MS);
    timer.unref();
    child.stdout!.on('data', check);
    child.stderr!.on('data', check);
    child.once('exit', exited);
    check();
  });
}

/**
 * Resolves once the port takes connections. glewlwyd logs "started on port" before it starts its
 * HTTP listener (src/glewlwyd.c: the log line, then ulfius_start_framework), so a request sent on
 * that line alone can meet a closed port. Tried again every 50 ms, for one step at most.
 */
async function listening(port: number, child: ChildProcess): Promise<void> {
  const until = Date.now() + STEP_MS;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`glewlwyd exited (${String(child.exitCode ?? child.signalCode)})`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect({ host: '127.0.0.1', port });
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    if (Date.now() > until) throw new Error(`port ${port} took no connection within ${STEP_MS / 1000} s of the "started" line`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The admin API (API.md), with the session cookie of the admin's password login. */
async function configure(origin: string, user: GlewlwydUser, redirectUri: string, confidential: { clientId: string; clientSecret: string }): Promise<void> {
  const api = `${origin}/api`;
  const login = await fetch(`${api}/auth/`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(ADMIN), signal: AbortSignal.timeout(STEP_MS) });
  if (login.status !== 200) throw new Error(`admin login: HTTP ${login.status}`);
  const cookie = (login.headers.getSetCookie()[0] ?? '').split(';')[0]!;
  const call = async (method: string, path: string, body: unknown) => {
    const res = await fetch(`${api}${path}`, { method, headers: { 'content-type': 'application/json', cookie }, body: JSON.stringify(body), signal: AbortSignal.timeout(STEP_MS) });
    if (res.status !== 200) throw new Error(`${method} ${path}: HTTP ${res.status} ${await res.text()}`);
  };

  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  // OIDC.md, "Installation": every parameter below is one of its settings.
  await call('POST', '/mod/plugin/', {
    module: 'oidc',
    name: PLUGIN,
    display_name: 'OpenID Connect',
    enabled: true,
    parameters: {
      iss: `${api}/${PLUGIN}`,
      'jwt-type': 'rsa',
      'jwt-key-size': '256',
      key: privateKey.export({ type: 'pkcs8', format: 'pem' }),
      cert: publicKey.export({ type: 'spki', format: 'pem' }),
      'access-token-duration': 3600,
      'refresh-token-duration': 1209600,
      'code-duration': 600,
      // "Refresh token rolling" and "One-time use refresh token: Always": every refresh answers
      // with a new refresh token and disables the one it used.
      'refresh-token-rolling': true,
      'refresh-token-one-use': 'always',
      'allow-non-oidc': false,
      'auth-type-code-enabled': true,
      'auth-type-token-enabled': false,
      'auth-type-id-token-enabled': false,
      'auth-type-none-enabled': false,
      'auth-type-password-enabled': false,
      'auth-type-client-enabled': false,
      'auth-type-refresh-enabled': true,
      'auth-type-device-enabled': true,
      'device-authorization-expiration': 600,
      'device-authorization-interval': 1,
      'introspection-revocation-allowed': true,
      'introspection-revocation-allow-target-client': true,
      'pkce-allowed': true,
      'pkce-method-plain-allowed': false,
      'subject-type': 'public',
      // scopes_supported in discovery: no offline_access (glewlwyd issues refresh tokens without it).
      'allowed-scope': ['openid', 'profile', 'email'],
      'name-claim': 'mandatory',
      'email-claim': 'mandatory',
      claims: [],
    },
  });
  for (const scope of ['profile', 'email']) {
    await call('POST', '/scope/', { name: scope, display_name: scope, description: `the user's ${scope}`, password_required: true, password_max_age: 0, scheme: {} });
  }
  // Debian's openid scope needs no authentication at all; a sign-in should ask for the password.
  await call('PUT', '/scope/openid', { display_name: 'Open ID', description: 'Open ID Connect scope', password_required: true, password_max_age: 0, scheme: {} });
  await call('POST', '/user/', { username: user.username, password: user.password, name: user.name, email: user.email, scope: ['openid', 'profile', 'email'], enabled: true });
  const grants = ['code', 'device_authorization', 'refresh_token'];
  await call('POST', '/client/', { client_id: 'oauthcli-public', name: 'oauthcli (public)', confidential: false, redirect_uri: [redirectUri], authorization_type: grants, enabled: true });
  await call('POST', '/client/', {
    client_id: confidential.clientId,
    name: 'oauthcli (confidential)',
    confidential: true,
    client_secret: confidential.clientSecret,
    token_endpoint_auth_method: ['client_secret_basic'],
    redirect_uri: [redirectUri],
    authorization_type: grants,
    enabled: true,
  });
}

/**
 * glewlwyd's own login application (login.html): the password form when there is no session,
 * then the grant page (tick every scope, "Grant access"), then "Continue", which sends the browser
 * on to the client (or, for the device flow, to "Authorization complete").
 */
export async function loginAndGrant(page: Page, user: GlewlwydUser): Promise<void> {
  const form = page.locator('#username');
  const grant = page.locator('button:has-text("Grant access")');
  await form.or(grant).first().waitFor();
  if (await form.isVisible()) {
    await form.fill(user.username);
    await page.fill('#password', user.password);
    await page.click('#loginbut');
  }
  await grant.waitFor();
  for (const box of await page.locator('input[type=checkbox]').all()) if (!(await box.isChecked())) await box.check();
  await grant.click();
  await page.locator('text=What do you wish for?').waitFor();
  await page.click('button:has-text("Continue")');
}

/** The device flow's verification page: the user code, then the login and grant. */
export async function enterUserCode(page: Page, verificationUri: string, userCode: string, user: GlewlwydUser): Promise<void> {
  await page.goto(verificationUri);
  const code = page.locator('input[type=text]');
  await code.waitFor();
  await code.fill(userCode);
  await page.click('button:has-text("OK")');
  await loginAndGrant(page, user);
  await page.locator('text=Authorization complete').waitFor();
}
