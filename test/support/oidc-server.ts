/**
 * A REAL OAuth 2.0 / OpenID Connect authorization server for end-to-end tests of oauthcli:
 * the `oidc-provider` package (v9), configured like a typical IdP for a native CLI client.
 *
 * - issuer `http://127.0.0.1:PORT` (random port, loopback only)
 * - one native public client (`oauthcli-test` by default, PKCE S256 required, any loopback
 *   port on its redirect URI as RFC 8252 §7.3 says; oidc-provider does this itself for
 *   `application_type: 'native'` clients: it compares loopback redirect URIs without the port)
 * - an optional confidential client (`client_secret_basic`) and a resource-server client that
 *   `introspect()` uses
 * - devInteractions (built-in login + consent pages; any login/password, the login is the `sub`),
 *   deviceFlow, revocation, introspection, userinfo, rpInitiatedLogout
 * - refresh tokens for every grant of the native client, rotated on every use
 *
 * Besides the server, this module exports Playwright helpers that drive oidc-provider's own
 * HTML pages (they take a `Page`; no browser is launched here), and fetch-based equivalents
 * (`simulateBrowser`, `approveDevice`) for tests that run without a browser.
 *
 * oidc-provider has no bundled type declarations (and @types/oidc-provider is not installed), so
 * it is imported dynamically and described by the minimal local interfaces below.
 */
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { exportJWK, generateKeyPair } from 'jose';
import type { JWK } from 'jose';
import type { Page } from 'playwright-core';
import { DEVICE_CODE_GRANT } from '../../src/oauth/device-grant.ts';
import { listenOnLoopback, pkceChallenge } from './fake-http.ts';

export { pkceChallenge };

// ---------------------------------------------------------------------------
// Public types
// ---------------------------------------------------------------------------

export interface OidcServerOptions {
  /** client_id of the native public client. Default `oauthcli-test`. */
  clientId?: string | undefined;
  /**
   * Registered redirect URIs of the native client. Default `['http://127.0.0.1/callback']`.
   * Any port is accepted on loopback URIs (RFC 8252), but the path must match.
   */
  redirectUris?: string[] | undefined;
  /** Also register a confidential client (client_secret_basic). Default: yes, with the values below. */
  confidentialClient?: { clientId: string; clientSecret: string; redirectUris?: string[] | undefined } | false | undefined;
  /** Access token lifetime in seconds. Default 3600. */
  accessTokenTtl?: number | undefined;
  /** Refresh token lifetime in seconds. Default 14 days. */
  refreshTokenTtl?: number | undefined;
  /** ID token lifetime in seconds. Default 3600. */
  idTokenTtl?: number | undefined;
  /** Device code lifetime in seconds. Default 600. */
  deviceCodeTtl?: number | undefined;
  /** Authorization code lifetime in seconds. Default 60 (oidc-provider's default). */
  authorizationCodeTtl?: number | undefined;
  /**
   * `interval` added to the device authorization response. oidc-provider itself sends none
   * (so RFC 8628 clients default to 5 s); default here is 1 to keep tests fast. `null` = omit
   * (real oidc-provider behaviour). oidc-provider never answers `slow_down`.
   */
  deviceInterval?: number | null | undefined;
  /** Rotate refresh tokens on every use. Default true. */
  rotateRefreshToken?: boolean | undefined;
  /**
   * Issue a refresh token for every grant of a client allowed the refresh_token grant, even
   * without `offline_access` (+ `prompt=consent`). Default true. With false, oidc-provider's
   * default applies (only when the granted scope contains `offline_access`).
   */
  alwaysIssueRefreshToken?: boolean | undefined;
  /**
   * oidc-provider's `conformIdTokenClaims`. Default false here: ID tokens carry the claims of the
   * granted scopes (name, email, …), like Google's and GitLab's. true = oidc-provider's default
   * (ID tokens issued with an access token only carry `sub` & co; the rest is at userinfo).
   */
  conformIdTokenClaims?: boolean | undefined;
  /** Claims for a login. Default: sub/preferred_username = login, name `User <login>`, email `<login>@example.com`. */
  claimsFor?: ((login: string) => Record<string, unknown>) | undefined;
  /** Drop oidc-provider's "NOTICE"/"WARNING" development console messages. Default true. */
  quiet?: boolean | undefined;
  /**
   * Make the issuer identifier end in "/" (`http://127.0.0.1:PORT/`), as Auth0's
   * (`https://TENANT.auth0.com/`) and Authentik's do; the discovery document then names it so.
   */
  trailingSlash?: boolean | undefined;
}

export interface OidcRecordedRequest {
  method: string;
  /** Path without query string. */
  path: string;
  query: Record<string, string>;
  time: number;
  /** HTTP status of the answer (filled in when the response finished; 0 before). */
  status: number;
  authorization?: string | undefined;
  contentType?: string | undefined;
}

export interface OidcGrantEvent {
  grant_type: string;
  client_id?: string | undefined;
  ok: boolean;
  /** OAuth error code when !ok. */
  error?: string | undefined;
  error_description?: string | undefined;
  time: number;
}

export interface IntrospectionResult {
  active: boolean;
  sub?: string | undefined;
  client_id?: string | undefined;
  scope?: string | undefined;
  exp?: number | undefined;
  iat?: number | undefined;
  iss?: string | undefined;
  token_type?: string | undefined;
  [key: string]: unknown;
}

export interface OidcBrowserResult {
  /** The redirect to the client's redirect_uri (with code/state or error). */
  location: string;
  /** When followRedirect is true: the loopback server's answer. */
  callback?: { status: number; body: string } | undefined;
}

export interface OidcServer {
  readonly issuer: string;
  /** Same as issuer. */
  readonly url: string;
  /** `127.0.0.1:PORT` (what `--hostname` takes). */
  readonly host: string;
  readonly port: number;
  /** The native public client's id. */
  readonly clientId: string;
  /** The confidential client, if registered. */
  readonly confidentialClient?: { clientId: string; clientSecret: string } | undefined;
  /** Client used by introspect() (client_secret_basic). */
  readonly introspector: { clientId: string; clientSecret: string };
  /** Every HTTP request, in arrival order. */
  readonly requests: OidcRecordedRequest[];
  /** Successful token-endpoint grants, counted by grant_type (full URN for the device grant). */
  readonly grants: Record<string, number>;
  /** Every token-endpoint outcome (success or OAuth error), in order. */
  readonly grantEvents: OidcGrantEvent[];
  /** Errors oidc-provider reported as `server_error`. */
  readonly serverErrors: unknown[];
  /** The oidc-provider instance (untyped; for advanced tests). */
  readonly provider: unknown;
  /** The public JWKS the ID tokens are signed with. */
  readonly jwks: { keys: JWK[] };
  close(): Promise<void>;
  /** RFC 7662 introspection (as the resource-server client): `{ active: false }` for revoked/expired/unknown tokens. */
  introspect(token: string, tokenTypeHint?: 'access_token' | 'refresh_token'): Promise<IntrospectionResult>;
  /** Number of recorded requests whose path starts with pathPrefix. */
  requestCount(pathPrefix: string, method?: string): number;
  /**
   * Act as a browser without a browser: GET the authorize URL, submit the dev login form with
   * `login`, submit consent, and return the redirect to the client's redirect_uri.
   * `decision: 'deny'` uses the page's "[ Cancel ]" link (→ error=access_denied).
   * A fresh cookie jar is used unless `keepSession` (then a jar shared by all calls of this server).
   * Like github-server's, follows the redirect to the loopback callback unless `followRedirect: false`.
   */
  simulateBrowser(
    authorizeUrl: string,
    opts?: { login?: string; decision?: 'authorize' | 'deny'; followRedirect?: boolean; keepSession?: boolean },
  ): Promise<OidcBrowserResult>;
  /**
   * Approve (or deny) a device code through oidc-provider's /device pages with fetch + cookies:
   * enter the user code, confirm, log in as `login`, consent.
   */
  approveDevice(userCode: string, login?: string, opts?: { deny?: boolean; keepSession?: boolean }): Promise<void>;
}

// ---------------------------------------------------------------------------
// oidc-provider: minimal local typing
// ---------------------------------------------------------------------------

interface KoaLikeContext {
  method: string;
  path: string;
  status: number;
  body: unknown;
  oidc?: {
    route?: string;
    params?: Record<string, unknown>;
    client?: { clientId?: string };
  };
}

interface ProviderInstance {
  issuer: string;
  callback(): (req: IncomingMessage, res: ServerResponse) => void;
  use(mw: (ctx: KoaLikeContext, next: () => Promise<void>) => Promise<void>): unknown;
  on(event: string, listener: (...args: unknown[]) => void): unknown;
}

type ProviderConstructor = new (issuer: string, configuration: Record<string, unknown>) => ProviderInstance;

interface ClientLike {
  clientId: string;
  grantTypeAllowed(type: string): boolean;
}

// A variable specifier keeps TypeScript from looking for declarations that don't exist.
const OIDC_PROVIDER_MODULE: string = 'oidc-provider';
let providerCtor: Promise<ProviderConstructor> | undefined;
function loadProvider(): Promise<ProviderConstructor> {
  providerCtor ??= (import(OIDC_PROVIDER_MODULE) as Promise<{ default: ProviderConstructor }>).then((m) => m.default);
  return providerCtor;
}

// ---------------------------------------------------------------------------
// Console noise filter (oidc-provider prints development notices via console.info/warn)
// ---------------------------------------------------------------------------

let quietServers = 0;
let consolePatched = false;
function patchConsole(): void {
  if (consolePatched) return;
  consolePatched = true;
  const noisy = (args: unknown[]): boolean =>
    quietServers > 0 && typeof args[0] === 'string' && /^(?:\x1b\[[0-9;]*m)?oidc-provider (?:NOTICE|WARNING):/.test(args[0]);
  const info = console.info.bind(console);
  const warn = console.warn.bind(console);
  console.info = (...args: unknown[]) => {
    if (!noisy(args)) info(...args);
  };
  console.warn = (...args: unknown[]) => {
    if (!noisy(args)) warn(...args);
  };
}

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

/** A fresh PKCE pair (43-char verifier). */
export function pkcePair(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: pkceChallenge(verifier) };
}

export function defaultClaimsFor(login: string): Record<string, unknown> {
  return {
    sub: login,
    preferred_username: login,
    name: `User ${login}`,
    email: `${login}@example.com`,
    email_verified: true,
  };
}

function decodeHtml(s: string): string {
  return s
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

/** Visible text of an HTML page, shortened (for error messages). */
function pageText(html: string): string {
  return decodeHtml(
    html
      .replace(/<(style|script)\b[\s\S]*?<\/\1>/gi, '')
      .replace(/<[^>]+>/g, ' ')
      .replace(/\s+/g, ' ')
      .trim(),
  ).slice(0, 400);
}

/** Minimal cookie jar for fetch (ignores Path/Domain: one host only). */
class CookieJar {
  private readonly cookies = new Map<string, string>();
  store(res: Response): void {
    for (const line of res.headers.getSetCookie()) {
      const [pair, ...attrs] = line.split(';');
      if (!pair) continue;
      const eq = pair.indexOf('=');
      if (eq <= 0) continue;
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const expired = attrs.some((a) => {
        const [k, v] = a.split('=');
        const key = (k ?? '').trim().toLowerCase();
        if (key === 'max-age') return Number(v) <= 0;
        if (key === 'expires') return Date.parse((v ?? '').trim()) <= Date.now();
        return false;
      });
      if (expired || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }
  header(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }
  clear(): void {
    this.cookies.clear();
  }
}

interface FormFields {
  action: string;
  fields: Record<string, string>;
}

/** Hidden inputs of the first <form> whose id or content matches. */
function parseForm(html: string, match: RegExp): FormFields | undefined {
  const forms = html.match(/<form\b[\s\S]*?<\/form>/gi) ?? [];
  const form = forms.find((f) => match.test(f));
  if (!form) return undefined;
  const action = /action="([^"]*)"/i.exec(form)?.[1];
  const fields: Record<string, string> = {};
  for (const m of form.matchAll(/<input\b[^>]*>/gi)) {
    const tag = m[0];
    const name = /name="([^"]*)"/i.exec(tag)?.[1];
    const value = /value="([^"]*)"/i.exec(tag)?.[1];
    if (name && /type="hidden"/i.test(tag)) fields[name] = decodeHtml(value ?? '');
  }
  return { action: decodeHtml(action ?? ''), fields };
}

// ---------------------------------------------------------------------------
// Server
// ---------------------------------------------------------------------------

export async function startOidcProvider(opts: OidcServerOptions = {}): Promise<OidcServer> {
  const Provider = await loadProvider();
  const quiet = opts.quiet ?? true;
  if (quiet) {
    patchConsole();
    quietServers++;
  }
  const clientId = opts.clientId ?? 'oauthcli-test';
  const confidential =
    opts.confidentialClient === false
      ? undefined
      : (opts.confidentialClient ?? { clientId: 'oauthcli-confidential', clientSecret: 'confidential-secret' });
  const introspector = { clientId: 'oauthcli-resource-server', clientSecret: 'introspection-secret' };
  const claimsFor = opts.claimsFor ?? defaultClaimsFor;
  const deviceInterval = opts.deviceInterval === undefined ? 1 : opts.deviceInterval;

  const requests: OidcRecordedRequest[] = [];
  const grants: Record<string, number> = {};
  const grantEvents: OidcGrantEvent[] = [];
  const serverErrors: unknown[] = [];

  // Listen first: the issuer needs the port.
  let handler: ((req: IncomingMessage, res: ServerResponse) => void) | undefined;
  const server: Server = createServer((req, res) => {
    const u = new URL(req.url ?? '/', 'http://127.0.0.1');
    const rec: OidcRecordedRequest = {
      method: (req.method ?? 'GET').toUpperCase(),
      path: u.pathname,
      query: Object.fromEntries(u.searchParams),
      time: Date.now(),
      status: 0,
      authorization: req.headers.authorization,
      contentType: req.headers['content-type'],
    };
    requests.push(rec);
    res.on('finish', () => {
      rec.status = res.statusCode;
    });
    if (!handler) {
      res.writeHead(503).end();
      return;
    }
    handler(req, res);
  });
  const { port, host, url: origin, shutdown } = await listenOnLoopback(server);
  const issuer = opts.trailingSlash ? `${origin}/` : origin;

  // Signing key: RS256, generated per server.
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  const kid = randomBytes(8).toString('hex');
  const privateJwk: JWK = { ...(await exportJWK(privateKey)), kid, alg: 'RS256', use: 'sig' };
  const publicJwk: JWK = { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' };

  const clients: Record<string, unknown>[] = [
    {
      client_id: clientId,
      client_name: 'oauthcli',
      application_type: 'native',
      token_endpoint_auth_method: 'none',
      redirect_uris: opts.redirectUris ?? ['http://127.0.0.1/callback'],
      post_logout_redirect_uris: opts.redirectUris ?? ['http://127.0.0.1/callback'],
      grant_types: ['authorization_code', 'refresh_token', DEVICE_CODE_GRANT],
      response_types: ['code'],
    },
    {
      client_id: introspector.clientId,
      client_secret: introspector.clientSecret,
      token_endpoint_auth_method: 'client_secret_basic',
      grant_types: [],
      response_types: [],
      redirect_uris: [],
    },
  ];
  if (confidential) {
    clients.push({
      client_id: confidential.clientId,
      client_secret: confidential.clientSecret,
      client_name: 'oauthcli (confidential)',
      application_type: 'native',
      token_endpoint_auth_method: 'client_secret_basic',
      redirect_uris: confidential.redirectUris ?? opts.redirectUris ?? ['http://127.0.0.1/callback'],
      grant_types: ['authorization_code', 'refresh_token', DEVICE_CODE_GRANT],
      response_types: ['code'],
    });
  }

  const ttl = {
    AccessToken: opts.accessTokenTtl ?? 3600,
    AuthorizationCode: opts.authorizationCodeTtl ?? 60,
    IdToken: opts.idTokenTtl ?? 3600,
    RefreshToken: opts.refreshTokenTtl ?? 14 * 24 * 3600,
    DeviceCode: opts.deviceCodeTtl ?? 600,
    Interaction: 3600,
    Session: 14 * 24 * 3600,
    Grant: 14 * 24 * 3600,
    ClientCredentials: 600,
  };

  const alwaysRefresh = opts.alwaysIssueRefreshToken ?? true;
  const configuration: Record<string, unknown> = {
    clients,
    jwks: { keys: [privateJwk] },
    cookies: { keys: [randomBytes(16).toString('hex')] },
    claims: {
      openid: ['sub'],
      profile: ['name', 'preferred_username'],
      email: ['email', 'email_verified'],
    },
    scopes: ['openid', 'offline_access', 'profile', 'email'],
    conformIdTokenClaims: opts.conformIdTokenClaims ?? false,
    async findAccount(_ctx: unknown, sub: string) {
      return {
        accountId: sub,
        async claims() {
          return { ...claimsFor(sub), sub };
        },
      };
    },
    features: {
      devInteractions: { enabled: true },
      deviceFlow: { enabled: true },
      revocation: { enabled: true, allowedPolicy: async () => true },
      introspection: { enabled: true, allowedPolicy: async () => true },
      userinfo: { enabled: true },
      rpInitiatedLogout: { enabled: true },
    },
    pkce: { required: () => true },
    issueRefreshToken: alwaysRefresh
      ? async (_ctx: unknown, client: ClientLike) => client.grantTypeAllowed('refresh_token')
      : async (_ctx: unknown, client: ClientLike, source: { scopes: Set<string> }) =>
          client.grantTypeAllowed('refresh_token') && source.scopes.has('offline_access'),
    // Tokens outlive the browser session (a CLI's tokens shouldn't die with a cookie).
    expiresWithSession: async () => false,
    rotateRefreshToken: opts.rotateRefreshToken ?? true,
    clientBasedCORS: () => true,
    ttl,
  };

  const provider = new Provider(issuer, configuration);

  // Add `interval` to device authorization responses (oidc-provider omits it).
  provider.use(async (ctx, next) => {
    await next();
    if (
      deviceInterval !== null &&
      ctx.oidc?.route === 'device_authorization' &&
      ctx.status === 200 &&
      ctx.body !== null &&
      typeof ctx.body === 'object'
    ) {
      (ctx.body as Record<string, unknown>).interval = deviceInterval;
    }
  });

  const grantTypeOf = (ctx: unknown): string => {
    const g = (ctx as KoaLikeContext | undefined)?.oidc?.params?.grant_type;
    return typeof g === 'string' ? g : 'unknown';
  };
  const clientOf = (ctx: unknown): string | undefined => {
    const c = (ctx as KoaLikeContext | undefined)?.oidc;
    const id = c?.client?.clientId ?? c?.params?.client_id;
    return typeof id === 'string' ? id : undefined;
  };
  provider.on('grant.success', (ctx: unknown) => {
    const gt = grantTypeOf(ctx);
    grants[gt] = (grants[gt] ?? 0) + 1;
    grantEvents.push({ grant_type: gt, client_id: clientOf(ctx), ok: true, time: Date.now() });
  });
  provider.on('grant.error', (ctx: unknown, err: unknown) => {
    const e = (err ?? {}) as { error?: unknown; error_description?: unknown; message?: unknown };
    grantEvents.push({
      grant_type: grantTypeOf(ctx),
      client_id: clientOf(ctx),
      ok: false,
      error: typeof e.error === 'string' ? e.error : typeof e.message === 'string' ? e.message : String(err),
      error_description: typeof e.error_description === 'string' ? e.error_description : undefined,
      time: Date.now(),
    });
  });
  provider.on('server_error', (_ctx: unknown, err: unknown) => {
    serverErrors.push(err);
  });

  handler = provider.callback();

  const sharedJar = new CookieJar();
  const sameOrigin = (u: string): boolean => {
    try {
      return new URL(u).origin === origin;
    } catch {
      return false;
    }
  };

  /** Fetch on the issuer with the jar, never following redirects. */
  async function browse(jar: CookieJar, target: string, init: { method?: string; form?: Record<string, string> } = {}): Promise<Response> {
    const headers: Record<string, string> = { accept: 'text/html' };
    const cookie = jar.header();
    if (cookie) headers.cookie = cookie;
    let body: string | undefined;
    if (init.form) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(init.form).toString();
    }
    const res = await fetch(new URL(target, issuer), { method: init.method ?? (body ? 'POST' : 'GET'), headers, body, redirect: 'manual' });
    jar.store(res);
    return res;
  }

  /**
   * Follow redirects and answer the dev login/consent pages until leaving the issuer (returns the
   * location) or reaching a final page on the issuer (returns its HTML).
   */
  async function drive(
    jar: CookieJar,
    first: Response,
    login: string,
    decision: 'authorize' | 'deny',
  ): Promise<{ location?: string; html?: string }> {
    let res = first;
    for (let step = 0; step < 30; step++) {
      if (res.status >= 300 && res.status < 400) {
        await res.arrayBuffer();
        const loc = res.headers.get('location');
        if (!loc) throw new Error(`redirect without location (HTTP ${res.status})`);
        const abs = new URL(loc, issuer).toString();
        if (!sameOrigin(abs)) return { location: abs };
        res = await browse(jar, abs);
        continue;
      }
      const html = await res.text();
      if (res.status !== 200) throw new Error(`oidc-provider answered HTTP ${res.status}: ${pageText(html)}`);
      const loginForm = parseForm(html, /name="prompt" value="login"/);
      const consentForm = parseForm(html, /name="prompt" value="consent"/);
      if (loginForm || consentForm) {
        if (decision === 'deny') {
          const abort = /href="([^"]*\/abort)"/.exec(html)?.[1];
          if (!abort) throw new Error('no abort link on interaction page');
          res = await browse(jar, decodeHtml(abort));
          continue;
        }
        if (loginForm) {
          res = await browse(jar, loginForm.action, { form: { ...loginForm.fields, login, password: 'any-password' } });
        } else {
          res = await browse(jar, consentForm!.action, { form: { ...consentForm!.fields } });
        }
        continue;
      }
      // form_post auto-submit page (e.g. GET /device?user_code=…)
      const autoPost = /<form\b[^>]*method="post"[^>]*>[\s\S]*?<\/form>/i.exec(html);
      if (autoPost && /onload|document\.forms|\.submit\(\)/i.test(html) && !/name="login"/.test(html)) {
        const f = parseForm(html, /./);
        if (f && f.action) {
          res = await browse(jar, f.action, { form: f.fields });
          continue;
        }
      }
      return { html };
    }
    throw new Error('too many steps driving oidc-provider pages');
  }

  async function simulateBrowser(
    authorizeUrl: string,
    o: { login?: string; decision?: 'authorize' | 'deny'; followRedirect?: boolean; keepSession?: boolean } = {},
  ): Promise<OidcBrowserResult> {
    const jar = o.keepSession ? sharedJar : new CookieJar();
    const first = await browse(jar, authorizeUrl);
    const out = await drive(jar, first, o.login ?? 'alice', o.decision ?? 'authorize');
    if (!out.location) {
      throw new Error(`authorization did not redirect to the client: ${pageText(out.html ?? '')}`);
    }
    if (o.followRedirect === false) return { location: out.location };
    const cb = await fetch(out.location, { redirect: 'manual' });
    return { location: out.location, callback: { status: cb.status, body: await cb.text() } };
  }

  async function approveDevice(userCode: string, login = 'alice', o: { deny?: boolean; keepSession?: boolean } = {}): Promise<void> {
    const jar = o.keepSession ? sharedJar : new CookieJar();
    const page = await browse(jar, '/device');
    const inputHtml = await page.text();
    const input = parseForm(inputHtml, /op\.deviceInputForm/);
    if (!input) throw new Error(`no device input form: HTTP ${page.status}`);
    const confirmPage = await browse(jar, input.action, { form: { ...input.fields, user_code: userCode } });
    const confirmHtml = await confirmPage.text();
    const confirm = parseForm(confirmHtml, /op\.deviceConfirmForm/);
    if (!confirm) {
      const msg = /<p class="red">([^<]*)<\/p>/.exec(confirmHtml)?.[1];
      throw new Error(`device code not accepted: ${msg ?? `HTTP ${confirmPage.status}`}`);
    }
    const fields = { ...confirm.fields };
    if (o.deny) {
      delete fields.confirm;
      fields.abort = 'yes';
      const res = await browse(jar, confirm.action, { form: fields });
      await res.text();
      return;
    }
    const res = await browse(jar, confirm.action, { form: fields });
    const out = await drive(jar, res, login, 'authorize');
    if (out.location || !/Sign-in Success/.test(out.html ?? '')) {
      throw new Error(`device approval did not end on the success page: ${out.location ?? (out.html ?? '').slice(0, 300)}`);
    }
  }

  let closed = false;
  const oidc: OidcServer = {
    issuer,
    url: issuer,
    host,
    port,
    clientId,
    confidentialClient: confidential ? { clientId: confidential.clientId, clientSecret: confidential.clientSecret } : undefined,
    introspector,
    requests,
    grants,
    grantEvents,
    serverErrors,
    provider,
    jwks: { keys: [publicJwk] },
    async close() {
      if (closed) return;
      closed = true;
      if (quiet) quietServers--;
      await shutdown();
    },
    async introspect(token, tokenTypeHint) {
      const form: Record<string, string> = { token };
      if (tokenTypeHint) form.token_type_hint = tokenTypeHint;
      const res = await fetch(`${origin}/token/introspection`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          accept: 'application/json',
          authorization: `Basic ${Buffer.from(`${encodeURIComponent(introspector.clientId)}:${encodeURIComponent(introspector.clientSecret)}`).toString('base64')}`,
        },
        body: new URLSearchParams(form).toString(),
      });
      const body = (await res.json()) as IntrospectionResult;
      if (res.status !== 200) throw new Error(`introspection failed: HTTP ${res.status} ${JSON.stringify(body)}`);
      return body;
    },
    requestCount(pathPrefix, method) {
      return requests.filter((r) => r.path.startsWith(pathPrefix) && (!method || r.method === method.toUpperCase())).length;
    },
    simulateBrowser,
    approveDevice,
  };
  return oidc;
}

// ---------------------------------------------------------------------------
// Playwright helpers (the caller owns the browser; these only drive a Page)
// ---------------------------------------------------------------------------
//
// oidc-provider v9 page structure (lib/views/*.js, lib/helpers/defaults.js, lib/helpers/user_code_form.js):
//   login page    (/interaction/:uid): <form action="/interaction/:uid" method="post">
//                   <input type="hidden" name="prompt" value="login"/>
//                   <input name="login"> <input type="password" name="password">
//                   <button type="submit" class="login login-submit">Sign-in</button>
//                 + <a href="/interaction/:uid/abort">[ Cancel ]</a>
//   consent page  (/interaction/:uid): same form with prompt=consent and a "Continue" button.
//   device input  (GET /device): <form id="op.deviceInputForm"> (hidden xsrf, input name="user_code"),
//                   submit button OUTSIDE the form: <button type="submit" form="op.deviceInputForm">Continue</button>
//   device confirm(POST /device): <form id="op.deviceConfirmForm"> (hidden xsrf, user_code, confirm=yes),
//                   <button autofocus type="submit" form="op.deviceConfirmForm">Continue</button>
//                   <button type="submit" form="op.deviceConfirmForm" value="yes" name="abort">[ Abort ]</button>
//   device done   : <h1>Sign-in Success</h1>
//   errors        : <h1>oops! something went wrong</h1> + <pre><strong>error</strong>: …</pre>
//   All pages @import a Google Fonts stylesheet (fails fast offline).

const SEL = {
  loginForm: 'form:has(input[name="prompt"][value="login"])',
  loginInput: 'form:has(input[name="prompt"][value="login"]) input[name="login"]',
  passwordInput: 'form:has(input[name="prompt"][value="login"]) input[name="password"]',
  loginSubmit: 'form:has(input[name="prompt"][value="login"]) button[type="submit"]',
  consentForm: 'form:has(input[name="prompt"][value="consent"])',
  consentSubmit: 'form:has(input[name="prompt"][value="consent"]) button[type="submit"]',
  abortLink: 'a[href$="/abort"]',
  deviceCodeInput: 'form[id="op.deviceInputForm"] input[name="user_code"]',
  deviceCodeSubmit: 'button[type="submit"][form="op.deviceInputForm"]',
  deviceConfirm: 'button[type="submit"][form="op.deviceConfirmForm"]:not([name="abort"])',
  deviceAbort: 'button[type="submit"][form="op.deviceConfirmForm"][name="abort"]',
  deviceError: 'p.red',
  successH1: 'h1:text-is("Sign-in Success")',
  errorH1: 'h1:text-is("oops! something went wrong")',
} as const;

/** Selectors of oidc-provider v9's development pages (for tests that want to assert on them). */
export const OIDC_PAGE_SELECTORS = SEL;

export interface PageDriveOptions {
  /** Password typed on the login page (any is accepted). Default 'any-password'. */
  password?: string | undefined;
  /** Overall timeout. Default 20 s. */
  timeoutMs?: number | undefined;
  /** 'deny' clicks "[ Cancel ]" on the login/consent page (→ error=access_denied). Default 'authorize'. */
  decision?: 'authorize' | 'deny' | undefined;
}

const sleepMs = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

async function safeCount(page: Page, selector: string): Promise<number> {
  try {
    return await page.locator(selector).count();
  } catch {
    return 0; // navigation in progress
  }
}

async function errorText(page: Page): Promise<string> {
  try {
    return (await page.locator('body').innerText({ timeout: 1000 })).replace(/\s+/g, ' ').slice(0, 400);
  } catch {
    return '';
  }
}

/**
 * Drive oidc-provider's interaction pages on `page` until done.
 * `until`: 'left-issuer' = the browser left the issuer's origin (redirect to the client);
 * 'device-success' = the device flow success page.
 */
async function driveInteraction(page: Page, issuerOrigin: string, login: string, until: 'left-issuer' | 'device-success', o: PageDriveOptions): Promise<void> {
  const deadline = Date.now() + (o.timeoutMs ?? 20_000);
  let lastAction = '';
  let lastUrl = '';
  while (Date.now() < deadline) {
    const url = page.url();
    let origin = '';
    try {
      origin = new URL(url).origin;
    } catch {
      /* about:blank, chrome-error:// */
    }
    if (until === 'left-issuer' && origin !== issuerOrigin && url !== 'about:blank') return;
    if (until === 'device-success' && (await safeCount(page, SEL.successH1)) > 0) return;
    if ((await safeCount(page, SEL.errorH1)) > 0) throw new Error(`oidc-provider error page: ${await errorText(page)}`);
    if (until === 'device-success' && (await safeCount(page, SEL.deviceError)) > 0) {
      throw new Error(`device page error: ${await errorText(page)}`);
    }
    const onLogin = (await safeCount(page, SEL.loginForm)) > 0;
    const onConsent = !onLogin && (await safeCount(page, SEL.consentForm)) > 0;
    // Avoid clicking the same page twice while its navigation is in flight.
    const action = onLogin ? 'login' : onConsent ? 'consent' : '';
    if (action && !(action === lastAction && url === lastUrl)) {
      lastAction = action;
      lastUrl = url;
      try {
        if (o.decision === 'deny') {
          await page.locator(SEL.abortLink).click({ timeout: 5000 });
        } else if (onLogin) {
          await page.locator(SEL.loginInput).fill(login, { timeout: 5000 });
          await page.locator(SEL.passwordInput).fill(o.password ?? 'any-password', { timeout: 5000 });
          await page.locator(SEL.loginSubmit).click({ timeout: 5000 });
        } else {
          await page.locator(SEL.consentSubmit).click({ timeout: 5000 });
        }
      } catch {
        // Page navigated under us; re-evaluate.
        lastAction = '';
      }
      continue;
    }
    await sleepMs(100);
  }
  throw new Error(`timed out driving oidc-provider pages (at ${page.url()}): ${await errorText(page)}`);
}

/**
 * On `page` (already at oidc-provider's authorize URL or an interaction page): fill the dev
 * login form with `login` (any password), submit, then click "Continue" on the consent page
 * (each step only if shown — an existing session/grant skips them). Resolves when the browser has
 * left the issuer (redirected to the client's redirect_uri; the page may then show the client's
 * loopback page or a chrome-error page if nothing listens).
 */
export async function completeLoginAndConsent(page: Page, login: string, opts: PageDriveOptions = {}): Promise<void> {
  const deadline = Date.now() + (opts.timeoutMs ?? 20_000);
  // Wait until the page is on the issuer (e.g. the CLI-opened URL may still be loading).
  let origin = '';
  while (Date.now() < deadline) {
    try {
      origin = new URL(page.url()).origin;
    } catch {
      origin = '';
    }
    if (origin && origin !== 'null') break;
    await sleepMs(50);
  }
  if (!origin || origin === 'null') throw new Error(`page is not on the authorization server: ${page.url()}`);
  await driveInteraction(page, origin, login, 'left-issuer', { ...opts, timeoutMs: Math.max(1000, deadline - Date.now()) });
}

/**
 * Device flow in the browser: open `verificationUri` (verification_uri or verification_uri_complete),
 * enter `userCode` when asked, click "Continue" on the confirmation page, then log in as `login`
 * and consent. Resolves on oidc-provider's "Sign-in Success" page.
 * `decision: 'deny'` clicks "[ Abort ]" on the confirmation page instead (→ access_denied for the client).
 */
export async function enterDeviceCode(page: Page, verificationUri: string, userCode: string, login: string, opts: PageDriveOptions = {}): Promise<void> {
  const timeout = opts.timeoutMs ?? 20_000;
  const deadline = Date.now() + timeout;
  const origin = new URL(verificationUri).origin;
  await page.goto(verificationUri, { waitUntil: 'domcontentloaded', timeout });
  // verification_uri_complete auto-posts to the confirmation page; plain verification_uri asks for the code.
  const input = page.locator(SEL.deviceCodeInput);
  const confirm = page.locator(SEL.deviceConfirm);
  await input.or(confirm).first().waitFor({ state: 'visible', timeout });
  if ((await safeCount(page, SEL.deviceConfirm)) === 0) {
    await input.fill(userCode);
    await page.locator(SEL.deviceCodeSubmit).click();
  }
  const deviceError = page.locator(SEL.deviceError);
  await confirm.or(deviceError).first().waitFor({ state: 'visible', timeout: Math.max(1000, deadline - Date.now()) });
  if ((await safeCount(page, SEL.deviceError)) > 0) throw new Error(`device code rejected: ${await errorText(page)}`);
  if (opts.decision === 'deny') {
    await page.locator(SEL.deviceAbort).click();
    await page.locator(SEL.deviceError).or(page.locator(SEL.deviceCodeInput)).first().waitFor({ timeout: Math.max(1000, deadline - Date.now()) });
    return;
  }
  await confirm.click();
  await driveInteraction(page, origin, login, 'device-success', { ...opts, decision: 'authorize', timeoutMs: Math.max(1000, deadline - Date.now()) });
}

/**
 * Abort every request of `page` that doesn't go to a loopback address (oidc-provider's pages
 * import a Google Fonts stylesheet). Optional; offline it fails fast anyway.
 */
export async function blockExternalRequests(page: Page): Promise<void> {
  await page.route(
    (url) => !['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname) && (url.protocol === 'http:' || url.protocol === 'https:'),
    (route) => route.abort(),
  );
}
