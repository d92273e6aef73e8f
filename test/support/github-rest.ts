/**
 * The REST API half of the fake GitHub (github-server.ts holds the OAuth half): GET /user,
 * GET /user/repos (paginated with Link headers, repositories of the recorded fixture's shape),
 * GET /, GET /meta, and the OAuth application endpoints /applications/{client_id}/token|grant.
 *
 * Every URL in an answer is made from the origin the request came to (`GitHubSite`): the API root
 * is `https://api.HOST/` (github.com, GHE.com with data residency) or `https://HOST/api/v3`
 * (GitHub Enterprise Server), and web URLs (html_url) are on HOST.
 *
 * Loaded by bench/run.mjs with Node's type stripping: strippable TypeScript, `.ts` imports.
 */
import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { gzipSync } from 'node:zlib';
import { acceptsGzip, pageWait, type FaultSpec, type PageDelay, type Params, type Replies } from './fake-http.ts';
import { bearerToken, clientCredentials, type TokenRecord, type TokenStore } from './oauth-core.ts';

export interface FakeUser {
  login: string;
  id: number;
  name?: string | null | undefined;
  email?: string | null | undefined;
  type?: 'User' | 'Bot' | undefined;
  created_at?: string | undefined;
}

/** Where a request landed: the web origin, the API root, and the path under the API root (if an API request). */
export interface GitHubSite {
  /** e.g. `https://acme.ghe.com:8443` */
  web: string;
  /** e.g. `https://api.acme.ghe.com:8443` or `https://ghe.corp.test/api/v3` */
  api: string;
  /** e.g. `/user/repos`; undefined when the request is not for the REST API. */
  rest?: string | undefined;
}

/**
 * The site of a request to `origin` for `path`. A host named `api.*` serves the REST API at its
 * root, like api.github.com and GHE.com's api.SUBDOMAIN.ghe.com (GitHub Enterprise Cloud with data
 * residency: the enterprise lives at SUBDOMAIN.ghe.com, its API at api.SUBDOMAIN.ghe.com,
 * https://docs.github.com/en/enterprise-cloud@latest/admin/data-residency/network-details-for-ghecom,
 * and e.g. "https://api.SUBDOMAIN.ghe.com/graphql" in
 * https://docs.github.com/en/enterprise-cloud@latest/graphql/guides/managing-enterprise-accounts).
 * Any other host has GitHub Enterprise Server's layout, REST under http(s)://HOSTNAME/api/v3
 * (https://docs.github.com/en/enterprise-server@latest/rest/using-the-rest-api/getting-started-with-the-rest-api).
 */
export function gitHubSite(origin: string, path: string): GitHubSite {
  const u = new URL(origin);
  if (u.hostname.startsWith('api.')) {
    u.hostname = u.hostname.slice(4);
    return { web: u.origin, api: origin, rest: path };
  }
  const isApi = path === '/api/v3' || path.startsWith('/api/v3/');
  return { web: origin, api: `${origin}/api/v3`, rest: isApi ? path.slice('/api/v3'.length) || '/' : undefined };
}

export interface GitHubRestContext {
  replies: Replies;
  options: { clientId: string; clientSecret: string; omitLastLink: boolean; pageDelay?: PageDelay | undefined };
  findUser(login: string | undefined): FakeUser;
  repoCounts: Map<string, number>;
  store: TokenStore;
  sleep(ms: number): Promise<void>;
  /** The secret of a client the fake knows (its OAuth app, or a GitHub App registered from a manifest). */
  clientSecretOf(clientId: string | undefined): string | undefined;
}

export interface GitHubRest {
  route(req: IncomingMessage, res: ServerResponse, method: string, site: GitHubSite & { rest: string }, query: Params, body: Params, requestUrl: URL): void;
  /** Forget the cached repository JSON (after setRepos). */
  clearCache(): void;
}

const API_VERSIONS = ['2022-11-28', '2026-03-10'];
const DEFAULT_API_VERSION = '2022-11-28';
const LANGUAGES = ['TypeScript', 'JavaScript', 'Go', 'Rust', 'Python', null, 'Ruby', 'C'];
const REPO_EPOCH = Date.UTC(2024, 0, 1);
const OWNER_KEYS = [
  'login', 'id', 'node_id', 'avatar_url', 'gravatar_id', 'url', 'html_url', 'followers_url', 'following_url',
  'gists_url', 'starred_url', 'subscriptions_url', 'organizations_url', 'repos_url', 'events_url',
  'received_events_url', 'type',
];

function apiError(status: number, message: string, documentationUrl = 'https://docs.github.com/rest'): Record<string, string> {
  return { message, documentation_url: documentationUrl, status: String(status) };
}

// The recorded `GET /repos/{owner}/{repo}` response from @octokit/fixtures, loaded once.
let repoTemplateCache: string | undefined;
function repoTemplate(): string {
  if (repoTemplateCache === undefined) {
    const require = createRequire(import.meta.url);
    const file = require.resolve('@octokit/fixtures/scenarios/api.github.com/get-repository/normalized-fixture.json');
    const fixture = JSON.parse(readFileSync(file, 'utf8')) as Array<{ method: string; path: string; response: unknown }>;
    const entry = fixture.find((f) => f.method === 'get' && f.path.startsWith('/repos/'));
    if (!entry) throw new Error('get-repository fixture not found in @octokit/fixtures');
    const response = { ...(entry.response as Record<string, unknown>) };
    // Fields GET /repos/{owner}/{repo} has but list endpoints (GET /user/repos) don't.
    delete response.organization;
    delete response.network_count;
    delete response.subscribers_count;
    delete response.temp_clone_token;
    repoTemplateCache = JSON.stringify(response);
  }
  return repoTemplateCache;
}

const OPEN_BRACKET = Buffer.from('[');
const COMMA = Buffer.from(',');
const CLOSE_BRACKET = Buffer.from(']');

export function createGitHubRest(ctx: GitHubRestContext): GitHubRest {
  const { replies, options, store } = ctx;
  const { send, sendJson } = replies;
  let rateRemaining = 5000;

  function apiHeaders(req: IncomingMessage, extra: Record<string, string | number> = {}): Record<string, string | number> | undefined {
    const requested = req.headers['x-github-api-version'];
    const version = typeof requested === 'string' && requested ? requested : DEFAULT_API_VERSION;
    if (!API_VERSIONS.includes(version)) return undefined;
    rateRemaining = Math.max(0, rateRemaining - 1);
    return {
      'x-github-api-version-selected': version,
      'x-github-media-type': 'github.v3; format=json',
      'x-ratelimit-limit': 5000,
      'x-ratelimit-remaining': rateRemaining,
      'x-ratelimit-used': 5000 - rateRemaining,
      'x-ratelimit-reset': Math.floor(Date.now() / 1000) + 3600,
      'x-ratelimit-resource': 'core',
      ...extra,
    };
  }

  function unsupportedVersion(req: IncomingMessage, res: ServerResponse): void {
    const docs = 'https://docs.github.com/rest/about-the-rest-api/api-versions';
    sendJson(res, 400, apiError(400, `API version ${String(req.headers['x-github-api-version'])} is not supported.`, docs));
  }

  function userJson(user: FakeUser, site: GitHubSite): Record<string, unknown> {
    const api = `${site.api}/users/${user.login}`;
    const created = user.created_at ?? '2011-01-25T18:44:36Z';
    return {
      login: user.login,
      id: user.id,
      node_id: Buffer.from(`04:User${user.id}`).toString('base64'),
      avatar_url: `${site.web}/avatars/u/${user.id}?v=4`,
      gravatar_id: '',
      url: api,
      html_url: `${site.web}/${user.login}`,
      followers_url: `${api}/followers`,
      following_url: `${api}/following{/other_user}`,
      gists_url: `${api}/gists{/gist_id}`,
      starred_url: `${api}/starred{/owner}{/repo}`,
      subscriptions_url: `${api}/subscriptions`,
      organizations_url: `${api}/orgs`,
      repos_url: `${api}/repos`,
      events_url: `${api}/events{/privacy}`,
      received_events_url: `${api}/received_events`,
      type: user.type ?? 'User',
      user_view_type: 'private',
      site_admin: false,
      name: user.name ?? null,
      company: null,
      blog: '',
      location: null,
      email: user.email ?? null,
      hireable: null,
      bio: null,
      twitter_username: null,
      notification_email: user.email ?? null,
      public_repos: ctx.repoCounts.get(user.login) ?? 0,
      public_gists: 0,
      followers: 0,
      following: 0,
      created_at: created,
      updated_at: created,
      private_gists: 0,
      total_private_repos: 0,
      owned_private_repos: 0,
      disk_usage: 0,
      collaborators: 0,
      two_factor_authentication: true,
      plan: { name: 'free', space: 976562499, collaborators: 0, private_repos: 10000 },
    };
  }

  function ownerJson(user: FakeUser, site: GitHubSite): Record<string, unknown> {
    const full = userJson(user, site);
    return { ...Object.fromEntries(OWNER_KEYS.map((k) => [k, full[k]])), user_view_type: 'public', site_admin: false };
  }

  // Building a repository from the ~6.5 KB fixture takes ~0.4 ms: a 5,000-repository listing
  // would cost the server 2 s of CPU per read. Each one's JSON is made once per site, as bytes
  // ready to send (cleared by setRepos): a page then costs the server ~0.1 ms.
  const repoJsonCache = new Map<string, Buffer>();
  function repoJson(user: FakeUser, i: number, site: GitHubSite): Buffer {
    const key = `${site.api}\n${user.login}\n${i}`;
    let json = repoJsonCache.get(key);
    if (json === undefined) {
      json = Buffer.from(JSON.stringify(makeRepo(user, i, site)));
      repoJsonCache.set(key, json);
    }
    return json;
  }

  /** Same bytes as sendJson(slice.map(makeRepo)), from each repository's JSON made once. */
  function repoPageJson(user: FakeUser, slice: readonly number[], site: GitHubSite): Buffer {
    const parts: Buffer[] = [OPEN_BRACKET];
    slice.forEach((i, k) => parts.push(...(k > 0 ? [COMMA] : []), repoJson(user, i, site)));
    parts.push(CLOSE_BRACKET);
    return Buffer.concat(parts);
  }
  const gzippedPageCache = new Map<string, Buffer>();

  function makeRepo(user: FakeUser, i: number, site: GitHubSite): Record<string, unknown> {
    const name = `repo-${String(i).padStart(4, '0')}`;
    const full = `${user.login}/${name}`;
    const webHost = new URL(site.web).host;
    const text = repoTemplate()
      .split('https://api.github.com/').join(`${site.api}/`)
      .split('git://github.com/').join(`git://${webHost}/`)
      .split('git@github.com:').join(`git@${webHost}:`)
      .split('https://github.com/').join(`${site.web}/`)
      .split('octokit-fixture-org/hello-world').join(full);
    const repo = JSON.parse(text) as Record<string, unknown>;
    const id = 100000 + i;
    const isPrivate = i % 3 === 0;
    const updated = new Date(REPO_EPOCH + i * 3600_000).toISOString().replace('.000Z', 'Z');
    return Object.assign(repo, {
      id,
      node_id: Buffer.from(`010:Repository${id}`).toString('base64'),
      name,
      full_name: full,
      private: isPrivate,
      visibility: isPrivate ? 'private' : 'public',
      owner: ownerJson(user, site),
      description: i % 5 === 0 ? null : `Test repository number ${i}`,
      language: LANGUAGES[i % LANGUAGES.length] ?? null,
      stargazers_count: (i * 37) % 500,
      watchers_count: (i * 37) % 500,
      watchers: (i * 37) % 500,
      forks_count: i % 7,
      forks: i % 7,
      created_at: new Date(REPO_EPOCH - i * 86400_000).toISOString().replace('.000Z', 'Z'),
      updated_at: updated,
      pushed_at: updated,
      size: i * 10,
    });
  }

  // https://docs.github.com/en/rest/repos/repos#list-repositories-for-the-authenticated-user and
  // https://docs.github.com/en/rest/using-the-rest-api/using-pagination-in-the-rest-api (Link header).
  function userRepos(req: IncomingMessage, res: ServerResponse, auth: TokenRecord, query: Params, u: URL, site: GitHubSite): void {
    const user = ctx.findUser(auth.subject);
    const count = ctx.repoCounts.get(user.login) ?? 0;
    const visibility = query.visibility ?? 'all';
    if (!['all', 'public', 'private'].includes(visibility)) {
      sendJson(res, 422, apiError(422, 'Validation Failed', 'https://docs.github.com/rest/repos/repos#list-repositories-for-the-authenticated-user'));
      return;
    }
    let indices = Array.from({ length: count }, (_, k) => k + 1);
    if (visibility === 'public') indices = indices.filter((i) => i % 3 !== 0);
    if (visibility === 'private') indices = indices.filter((i) => i % 3 === 0);
    const sort = query.sort ?? 'full_name';
    const direction = query.direction ?? (sort === 'full_name' ? 'asc' : 'desc');
    // i ascending == full_name ascending == updated/pushed ascending == created descending
    if (sort === 'created') indices.reverse();
    if (direction === 'desc') indices.reverse();

    let perPage = Number.parseInt(query.per_page ?? '30', 10);
    if (!Number.isFinite(perPage) || perPage < 1) perPage = 30;
    perPage = Math.min(perPage, 100);
    let page = Number.parseInt(query.page ?? '1', 10);
    if (!Number.isFinite(page) || page < 1) page = 1;
    const lastPage = Math.max(1, Math.ceil(indices.length / perPage));
    const slice = indices.slice((page - 1) * perPage, page * perPage);

    const linkFor = (p: number): string => {
      const lu = new URL(`${site.api}${site.rest ?? ''}`);
      for (const [k, v] of u.searchParams) if (k !== 'page') lu.searchParams.append(k, v);
      lu.searchParams.set('page', String(p));
      return lu.toString();
    };
    const links: string[] = [];
    if (indices.length > perPage || page > 1) {
      if (page > 1) links.push(`<${linkFor(Math.min(page - 1, lastPage))}>; rel="prev"`);
      if (page < lastPage) links.push(`<${linkFor(page + 1)}>; rel="next"`);
      if (!options.omitLastLink) {
        if (page < lastPage) links.push(`<${linkFor(lastPage)}>; rel="last"`);
        if (page > 1) links.push(`<${linkFor(1)}>; rel="first"`);
      }
    }
    const headers = apiHeaders(req, {
      'x-oauth-scopes': auth.scopes.join(', '),
      'x-accepted-oauth-scopes': '',
      ...(links.length ? { link: links.join(', ') } : {}),
    });
    if (!headers) return unsupportedVersion(req, res);
    void pageWait(options.pageDelay, page, ctx.sleep).then(() => {
      const type = { 'content-type': 'application/json; charset=utf-8', ...headers };
      if (!acceptsGzip(req)) return send(res, 200, repoPageJson(user, slice, site), type);
      // Gzipping a page costs ~10 ms: each is compressed once (send() would compress it on every
      // read), and a page served from this cache is not assembled again (560 KB of fresh memory
      // a request, CPU the fake would take from the client it shares the machine with).
      const key = `${site.api}\n${user.login}\n${slice.join(',')}`;
      let gzipped = gzippedPageCache.get(key);
      if (!gzipped) gzippedPageCache.set(key, (gzipped = gzipSync(repoPageJson(user, slice, site))));
      send(res, 200, gzipped, { ...type, 'content-encoding': 'gzip', vary: 'Accept-Encoding' });
    });
  }

  // https://docs.github.com/en/rest/apps/oauth-applications (Basic auth with the app's client id and secret).
  function applications(req: IncomingMessage, res: ServerResponse, method: string, clientId: string, what: string, body: Params, site: GitHubSite): void {
    const c = clientCredentials(req, {});
    if (c.method !== 'client_secret_basic' || c.id !== clientId || c.secret === undefined || c.secret !== ctx.clientSecretOf(clientId)) {
      sendJson(res, 401, apiError(401, 'Bad credentials'));
      return;
    }
    if (method !== 'DELETE' && !(method === 'POST' && what === 'token')) {
      sendJson(res, 404, apiError(404, 'Not Found'));
      return;
    }
    const docs = `https://docs.github.com/rest/apps/oauth-applications#${what === 'grant' ? 'delete-an-app-authorization' : 'delete-an-app-token'}`;
    if (!body.access_token) {
      sendJson(res, 422, { message: 'Invalid request.\n\n"access_token" wasn\'t supplied.', documentation_url: docs, status: '422' });
      return;
    }
    // Expired (but not revoked) tokens can still be checked and revoked. A token of another app,
    // or a personal access token, is "Not Found" too (observed): "OAuth application owners can
    // revoke a single token for an OAuth application" (#delete-an-app-token), their own only.
    const rec = store.find(body.access_token, 'access');
    if (!rec || rec.revoked || rec.clientId !== options.clientId) {
      sendJson(res, 404, apiError(404, 'Not Found', docs));
      return;
    }
    if (method === 'POST') {
      // "Check a token"
      const user = ownerJson(ctx.findUser(rec.subject), site);
      sendJson(res, 200, { id: 1, token: rec.token, scopes: rec.scopes, user, expires_at: rec.expiresAt ? new Date(rec.expiresAt).toISOString() : null });
      return;
    }
    if (what === 'grant') {
      // Deleting the authorization revokes every token the user holds for the app.
      for (const t of [...store.tokens.values()]) if (t.subject === rec.subject && !t.revoked) store.revoke(t, 'grant');
    } else {
      store.revoke(rec, 'api');
    }
    send(res, 204, '');
  }

  return {
    clearCache: () => {
      repoJsonCache.clear();
      gzippedPageCache.clear();
    },
    route(req, res, method, site, query, body, u) {
      const rest = site.rest;
      const appMatch = /^\/applications\/([^/]+)\/(token|grant)$/.exec(rest);
      if (appMatch) return applications(req, res, method, decodeURIComponent(appMatch[1]!), appMatch[2]!, body, site);

      if (method === 'GET' && (rest === '/' || rest === '/meta')) {
        const headers = apiHeaders(req);
        if (!headers) return unsupportedVersion(req, res);
        sendJson(res, 200, rest === '/' ? { current_user_url: `${site.api}/user` } : { verifiable_password_authentication: false, installed_version: '3.17.0' }, headers);
        return;
      }

      if (method === 'GET' && (rest === '/user' || rest === '/user/repos')) {
        const token = bearerToken(req, /bearer|token/);
        if (!token) {
          sendJson(res, 401, apiError(401, 'Requires authentication', 'https://docs.github.com/rest/users/users#get-the-authenticated-user'), apiHeaders(req) ?? {});
          return;
        }
        const auth = store.validAccess(token);
        if (!auth) {
          sendJson(res, 401, apiError(401, 'Bad credentials'), apiHeaders(req) ?? {});
          return;
        }
        if (rest === '/user/repos') return userRepos(req, res, auth, query, u, site);
        const headers = apiHeaders(req, { 'x-oauth-scopes': auth.scopes.join(', '), 'x-accepted-oauth-scopes': '' });
        if (!headers) return unsupportedVersion(req, res);
        sendJson(res, 200, userJson(ctx.findUser(auth.subject), site), headers);
        return;
      }
      sendJson(res, 404, apiError(404, 'Not Found'));
    },
  };
}

/**
 * A fault answering like GitHub's rate limits
 * (https://docs.github.com/en/rest/using-the-rest-api/rate-limits-for-the-rest-api#exceeding-the-rate-limit):
 * - primary: 403 (or 429), `x-ratelimit-remaining: 0`; retry after `x-ratelimit-reset`.
 * - secondary: 403 (or 429) with a message saying so; `retry-after` when GitHub sends one.
 *   `retryAfter: null` leaves it out, with requests remaining: the documented case where a client
 *   must "wait for at least one minute before retrying".
 */
export function rateLimitFault(opts: {
  kind?: 'primary' | 'secondary';
  status?: number;
  resetInSeconds?: number;
  /** Seconds; for `secondary` default 1, `null` = no retry-after header. */
  retryAfter?: number | null;
  times?: number;
} = {}): FaultSpec {
  const reset = String(Math.floor(Date.now() / 1000) + (opts.resetInSeconds ?? 60));
  const status = opts.status ?? 403;
  if (opts.kind === 'secondary') {
    const headers: Record<string, string> = { 'x-ratelimit-limit': '5000', 'x-ratelimit-remaining': '4000', 'x-ratelimit-used': '1000', 'x-ratelimit-reset': reset };
    if (opts.retryAfter !== null) headers['retry-after'] = String(opts.retryAfter ?? 1);
    return {
      status,
      times: opts.times,
      body: {
        message: 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.',
        documentation_url: 'https://docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api#about-secondary-rate-limits',
        status: String(status),
      },
      headers,
    };
  }
  const headers: Record<string, string> = {
    'x-ratelimit-limit': '5000',
    'x-ratelimit-remaining': '0',
    'x-ratelimit-used': '5000',
    'x-ratelimit-reset': reset,
    'x-ratelimit-resource': 'core',
  };
  if (typeof opts.retryAfter === 'number') headers['retry-after'] = String(opts.retryAfter);
  return {
    status,
    times: opts.times,
    body: {
      message: 'API rate limit exceeded for user ID 583231.',
      documentation_url: 'https://docs.github.com/rest/overview/resources-in-the-rest-api#rate-limiting',
      status: String(status),
    },
    headers,
  };
}

/** A fault answering with an HTML error page, like GitHub's "Unicorn" 5xx pages or a proxy. */
export function htmlErrorFault(status = 502, times = 1): FaultSpec {
  return {
    status,
    times,
    body: `<!DOCTYPE html>\n<html><head><title>Unicorn! · GitHub</title></head><body><h1>No server is currently available to service your request.</h1><p>Sorry about that. Please try refreshing and contact us if the problem persists.</p></body></html>\n`,
  };
}
