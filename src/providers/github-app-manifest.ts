// GitHub's app manifest flow ("Registering a GitHub App from a manifest",
// https://docs.github.com/en/apps/sharing-github-apps/registering-a-github-app-from-a-manifest):
// the manifest oauthcli's own app is registered with, where the browser posts it, and the
// exchange of the code GitHub sends back for the app's client id and secret
// (https://docs.github.com/en/rest/apps/apps#create-a-github-app-from-a-manifest). The private
// key and webhook secret that exchange also returns are never kept: oauthcli signs users in
// with the app's client, and never acts as the app itself.
import { failure } from '../errors.js';
import type { HttpClient } from '../http/client.js';
import { originFor } from '../http/insecure-hosts.js';
import { GITHUB_API_HEADERS } from './github-api-headers.js';
import { githubApiBase } from './github.js';

/** The homepage every manifest names (required: "The homepage of your GitHub App"). */
export const APP_HOMEPAGE = 'https://github.com/oauthcli/oauthcli#readme';

/** The callback the app registers: GitHub lets a loopback redirect_uri use any port (RFC 8252 §7.3). */
export const LOOPBACK_CALLBACK = 'http://127.0.0.1/callback';

/**
 * The manifest: no webhook, private, the permissions whoami, repos and git need (a GitHub App's
 * user token can do at most what both the app and the user may), and no OAuth at installation
 * (oauthcli signs in on its own). New apps expire their user tokens (8 hours, with a 6-month
 * refresh token) unless the owner opts out; the manifest has no parameter for it.
 */
export function appManifest(p: { name: string; redirectUrl: string }): Record<string, unknown> {
  return {
    name: p.name,
    url: APP_HOMEPAGE,
    description: 'Signs you in from the command line with oauthcli (whoami, repos, git over HTTPS).',
    hook_attributes: { url: APP_HOMEPAGE, active: false },
    redirect_url: p.redirectUrl,
    callback_urls: [LOOPBACK_CALLBACK],
    public: false,
    default_permissions: { contents: 'write', metadata: 'read', email_addresses: 'read' },
    default_events: [],
    request_oauth_on_install: false,
    setup_on_update: false,
  };
}

/** Where the browser posts the manifest: the person's own apps, or an organization's. */
export function newAppUrl(host: string, org: string | undefined, state: string): string {
  const base = org ? `${originFor(host)}/organizations/${encodeURIComponent(org)}/settings/apps/new` : `${originFor(host)}/settings/apps/new`;
  return `${base}?state=${encodeURIComponent(state)}`;
}

export interface CreatedApp {
  id: number;
  slug: string;
  name: string;
  clientId: string;
  clientSecret: string;
  /** The app's public page, `https://HOST/apps/SLUG`. */
  htmlUrl: string;
  /** Where the owner installs it on their account or organization. */
  installUrl: string;
  /** The app's settings, where "Enable Device Flow" is ticked. */
  settingsUrl: string;
}

/** POST /app-manifests/{code}/conversions (no authentication; the code works once, within an hour). */
export async function convertManifestCode(http: HttpClient, p: { host: string; org: string | undefined; code: string; signal?: AbortSignal }): Promise<CreatedApp> {
  const res = await http.request({
    method: 'POST',
    url: `${githubApiBase(p.host)}/app-manifests/${encodeURIComponent(p.code)}/conversions`,
    headers: { ...GITHUB_API_HEADERS },
    secrets: [p.code],
    ...(p.signal ? { signal: p.signal } : {}),
  });
  if (res.status !== 201) {
    const body = await res.json<{ message?: unknown }>().catch(() => undefined);
    const message = typeof body?.message === 'string' ? `: ${body.message}` : '';
    const hint = res.status === 404 ? ' (the code from GitHub was used already or is over an hour old: run app create again)' : '';
    throw failure(`${p.host} did not create the app (HTTP ${res.status}${message})${hint}`, { code: `http_${res.status}` });
  }
  const app = await res.json<Record<string, unknown>>();
  const { id, slug, name, client_id: clientId, client_secret: clientSecret } = app;
  if (typeof id !== 'number' || typeof slug !== 'string' || !/^[A-Za-z0-9-]{1,100}$/.test(slug) || typeof clientId !== 'string' || !clientId || typeof clientSecret !== 'string' || !clientSecret) {
    throw failure(`${p.host} answered the app's creation without its id, slug or client credentials`, { code: 'malformed_response' });
  }
  // Built from the slug, not taken from the answer: only ever a page of this host.
  const origin = originFor(p.host);
  const htmlUrl = `${origin}/apps/${slug}`;
  const settingsUrl = p.org ? `${origin}/organizations/${encodeURIComponent(p.org)}/settings/apps/${slug}` : `${origin}/settings/apps/${slug}`;
  return { id, slug, name: typeof name === 'string' ? name : slug, clientId, clientSecret, htmlUrl, installUrl: `${htmlUrl}/installations/new`, settingsUrl };
}
