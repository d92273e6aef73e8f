/**
 * GitHub Apps registered through the fake GitHub's app manifest flow, and the clients the fake's
 * OAuth endpoints accept besides its configured OAuth app.
 *
 * "Registering a GitHub App from a manifest",
 * https://docs.github.com/en/apps/sharing-github-apps/registering-a-github-app-from-a-manifest:
 * 1. the person's browser POSTs a form with a `manifest` field (JSON) to
 *    `https://HOST/settings/apps/new?state=…` (a personal account) or
 *    `https://HOST/organizations/ORGANIZATION/settings/apps/new?state=…` (an organization);
 *    GitHub shows the registration with the manifest's settings and a "Create GitHub App" button;
 * 2. after "Create", GitHub "redirects the person to the `redirect_url` with a temporary `code`
 *    in a code parameter" (and the `state` given), and "the code expires after one hour";
 * 3. the app exchanges it with `POST /app-manifests/{code}/conversions` (no authentication),
 *    answered 201 with the app: id, slug, node_id, owner, name, description, external_url,
 *    html_url, created_at, updated_at, permissions, events, client_id, client_secret,
 *    webhook_secret, pem (https://docs.github.com/en/rest/apps/apps#create-a-github-app-from-a-manifest).
 * CHOICE: a GitHub App's client id is `Iv23li` and 14 characters, as new apps' ids look (an
 * OAuth app's is `Ov23li…`; the docs give no format). The device flow is off until the
 * owner ticks "Enable Device Flow" in the app's settings
 * (https://docs.github.com/en/apps/creating-github-apps/authenticating-with-a-github-app/generating-a-user-access-token-for-a-github-app#using-the-device-flow-to-generate-a-user-access-token),
 * and the app's user access tokens expire after eight hours, with a refresh token (six months),
 * unless the owner opts out (https://docs.github.com/en/apps/creating-github-apps/authenticating-with-a-github-app/refreshing-user-access-tokens).
 */
import type { ServerResponse } from 'node:http';
import { escapeHtml, randomChars, randomHex } from './fake-http.ts';
import type { Params } from './fake-http.ts';

const BASE62 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
/** "The code expires after one hour" (manifest flow, step 3). */
export const MANIFEST_CODE_LIFETIME_MS = 60 * 60_000;

export interface FakeGitHubApp {
  id: number;
  slug: string;
  name: string;
  owner: { login: string; type: 'User' | 'Organization' };
  clientId: string;
  clientSecret: string;
  webhookSecret: string | null;
  pem: string;
  manifest: Record<string, unknown>;
  /** "Enable Device Flow" in the app's settings (off for a new app). */
  deviceFlow: boolean;
  /** "Expire user authorization tokens" (on for a new app). */
  expiringTokens: boolean;
}

interface PendingRegistration {
  manifest: Record<string, unknown>;
  state: string | undefined;
  owner: { login: string; type: 'User' | 'Organization' };
}

interface ManifestCode {
  app: FakeGitHubApp;
  expiresAt: number;
  used: boolean;
}

export interface ManifestPostRecord {
  path: string;
  state: string | undefined;
  manifest: Record<string, unknown> | undefined;
}

export interface GitHubAppsDeps {
  sendHtml(res: ServerResponse, status: number, title: string, bodyHtml: string): void;
  sendJson(res: ServerResponse, status: number, obj: unknown): void;
  redirectWith(res: ServerResponse, redirectUri: string, params: Params): void;
  /** The login of the person signed in to the fake's web pages. */
  webLogin(): string;
  /** The host's web origin (for html_url). */
  webOrigin(): string;
}

export function createGitHubApps(deps: GitHubAppsDeps) {
  const apps: FakeGitHubApp[] = [];
  const pending = new Map<string, PendingRegistration>();
  const codes = new Map<string, ManifestCode>();
  const manifestPosts: ManifestPostRecord[] = [];
  let nextId = 1_000_001;

  const byClientId = (clientId: string | undefined) => apps.find((a) => a.clientId === clientId);

  /** GET: the empty registration form (https://docs.github.com/en/apps/creating-github-apps/registering-a-github-app/registering-a-github-app). */
  function newAppForm(res: ServerResponse): void {
    deps.sendHtml(res, 200, 'Register new GitHub App', '<h1>Register new GitHub App</h1><p id="manual">Fill in the form by hand, or post a manifest here.</p>');
  }

  /** POST with `manifest` (and `state` in the query): the registration page with its "Create GitHub App" button. */
  function manifestPost(res: ServerResponse, path: string, query: Params, body: Params, org: string | undefined): void {
    let manifest: Record<string, unknown> | undefined;
    try {
      const parsed: unknown = JSON.parse(body.manifest ?? '');
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) manifest = parsed as Record<string, unknown>;
    } catch {
      manifest = undefined;
    }
    manifestPosts.push({ path, state: query.state, manifest });
    // `url` is the one required manifest parameter ("Required. The homepage of your GitHub App").
    if (!manifest || typeof manifest.url !== 'string') {
      return deps.sendHtml(res, 422, 'Invalid manifest', '<p id="error">Invalid GitHub App configuration: url is required.</p>');
    }
    const token = randomHex(16);
    pending.set(token, { manifest, state: query.state, owner: org ? { login: org, type: 'Organization' } : { login: deps.webLogin(), type: 'User' } });
    const name = typeof manifest.name === 'string' ? manifest.name : '';
    deps.sendHtml(
      res,
      200,
      'Create GitHub App',
      `<h1>Create GitHub App for ${escapeHtml(org ?? deps.webLogin())}</h1>
<form method="post" action="/settings/apps/new/create"><input type="hidden" name="registration" value="${token}">
<label>GitHub App name <input id="name" name="name" value="${escapeHtml(name)}"></label>
<button id="create" type="submit">Create GitHub App for ${escapeHtml(org ?? deps.webLogin())}</button></form>`,
    );
  }

  /** "Create GitHub App": registers the app and redirects to the manifest's redirect_url with code and state. */
  function create(res: ServerResponse, body: Params): void {
    const registration = body.registration ? pending.get(body.registration) : undefined;
    if (!registration) return deps.sendHtml(res, 422, 'Unprocessable', '<p id="error">This registration is no longer valid.</p>');
    pending.delete(body.registration!);
    const name = body.name || (typeof registration.manifest.name === 'string' ? registration.manifest.name : '') || `app-${nextId}`;
    // Names are unique on GitHub: "Name has already been taken".
    if (apps.some((a) => a.name.toLowerCase() === name.toLowerCase())) {
      return deps.sendHtml(res, 422, 'Create GitHub App', '<p id="error">Name has already been taken</p>');
    }
    const hook = registration.manifest.hook_attributes as { active?: boolean } | undefined;
    const app: FakeGitHubApp = {
      id: nextId++,
      slug: name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, ''),
      name,
      owner: registration.owner,
      clientId: `Iv23li${randomChars(BASE62, 14)}`,
      clientSecret: randomHex(20),
      // CHOICE: an app without an active webhook still gets a webhook secret only when the manifest asked for a hook.
      webhookSecret: hook && hook.active !== false ? randomHex(20) : null,
      pem: `-----BEGIN RSA PRIVATE KEY-----\n${Buffer.from(randomHex(48)).toString('base64')}\n-----END RSA PRIVATE KEY-----\n`,
      manifest: registration.manifest,
      deviceFlow: false,
      expiringTokens: true,
    };
    apps.push(app);
    const code = randomHex(20);
    codes.set(code, { app, expiresAt: Date.now() + MANIFEST_CODE_LIFETIME_MS, used: false });
    const redirectUrl = typeof registration.manifest.redirect_url === 'string' ? registration.manifest.redirect_url : `${deps.webOrigin()}/settings/apps/${app.slug}`;
    deps.redirectWith(res, redirectUrl, { code, ...(registration.state !== undefined ? { state: registration.state } : {}) });
  }

  /** POST /app-manifests/{code}/conversions: 201 with the app and its credentials; a code works once, for an hour. */
  function conversion(res: ServerResponse, code: string): void {
    const rec = codes.get(code);
    if (!rec || rec.used || rec.expiresAt <= Date.now()) {
      return deps.sendJson(res, 404, { message: 'Not Found', documentation_url: 'https://docs.github.com/rest/apps/apps#create-a-github-app-from-a-manifest', status: '404' });
    }
    rec.used = true;
    const { app } = rec;
    const now = new Date().toISOString();
    deps.sendJson(res, 201, {
      id: app.id,
      slug: app.slug,
      node_id: Buffer.from(`App${app.id}`).toString('base64'),
      owner: { login: app.owner.login, id: 1, type: app.owner.type },
      name: app.name,
      description: app.manifest.description ?? null,
      external_url: app.manifest.url,
      html_url: `${deps.webOrigin()}/apps/${app.slug}`,
      created_at: now,
      updated_at: now,
      permissions: app.manifest.default_permissions ?? {},
      events: app.manifest.default_events ?? [],
      client_id: app.clientId,
      client_secret: app.clientSecret,
      webhook_secret: app.webhookSecret,
      pem: app.pem,
    });
  }

  return {
    apps,
    manifestPosts,
    byClientId,
    newAppForm,
    manifestPost,
    create,
    conversion,
    /** Makes a manifest code older than an hour. */
    expireManifestCodes() {
      for (const rec of codes.values()) rec.expiresAt = Date.now() - 1;
    },
  };
}

export type GitHubApps = ReturnType<typeof createGitHubApps>;
