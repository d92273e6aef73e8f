/**
 * The REST API half of the fake GitLab (gitlab-server.ts holds the OAuth half): GET /api/v4/user,
 * GET /api/v4/projects (offset pagination with x-* headers and Link) and GET /api/v4/version,
 * in the shapes of https://docs.gitlab.com/api/users/ and https://docs.gitlab.com/api/projects/.
 * URLs are made from the instance's external URL (the fake's `url`), as GitLab makes them from
 * its configured `external_url`, whatever host a request came to.
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pageWait, type PageDelay, type Params, type Replies } from './fake-http.ts';

export interface FakeGitLabUser {
  id: number;
  username: string;
  name?: string | undefined;
  email?: string | undefined;
  /** Shown as public_email (GitLab: empty string when not set). */
  public_email?: string | undefined;
  state?: 'active' | 'blocked' | undefined;
  created_at?: string | undefined;
  bot?: boolean | undefined;
}

export interface GitLabRestContext {
  replies: Replies;
  /** The instance's external URL. */
  url: () => string;
  users: FakeGitLabUser[];
  findUser(username: string | undefined): FakeGitLabUser;
  projectCounts: Map<string, number>;
  options: { pageDelay?: PageDelay | undefined; omitTotals?: boolean | undefined };
  /** The username a request's token belongs to, when it has one of `scopes`; otherwise answered 401/403. */
  authenticate(req: IncomingMessage, res: ServerResponse, scopes: string[]): string | undefined;
  sleep(ms: number): Promise<void>;
}

interface ProjectRow {
  owner: FakeGitLabUser;
  i: number;
  id: number;
  name: string;
  visibility: 'private' | 'internal' | 'public';
  created: number;
  lastActivity: number;
  updated: number;
  stars: number;
}

const PROJECT_EPOCH = Date.UTC(2023, 0, 2, 10, 0, 0);
const TOPICS = [['cli'], [], ['oauth', 'security'], ['typescript'], []];
const ORDER_BY = ['id', 'name', 'path', 'created_at', 'updated_at', 'last_activity_at', 'similarity', 'star_count', 'storage_size', 'repository_size', 'wiki_size', 'packages_size'];
const ENABLED_FEATURES = ['issues', 'repository', 'merge_requests', 'forking', 'wiki', 'builds', 'snippets', 'analytics', 'container_registry', 'releases', 'environments', 'feature_flags', 'infrastructure', 'monitor', 'model_experiments', 'model_registry'];

export function createGitLabRest(ctx: GitLabRestContext): (req: IncomingMessage, res: ServerResponse, method: string, path: string, q: Params, u: URL) => void {
  const { sendJson } = ctx.replies;
  const iso = (ms: number): string => new Date(ms).toISOString();

  function userJson(user: FakeGitLabUser): Record<string, unknown> {
    const url = ctx.url();
    const created = user.created_at ?? '2019-03-15T09:12:45.123Z';
    const email = user.email ?? `${user.username}@example.com`;
    return {
      id: user.id,
      username: user.username,
      public_email: user.public_email ?? '',
      name: user.name ?? user.username,
      state: user.state ?? 'active',
      locked: false,
      avatar_url: `https://secure.gravatar.com/avatar/${createHash('sha256').update(user.email ?? user.username).digest('hex')}?s=80&d=identicon`,
      web_url: `${url}/${user.username}`,
      created_at: created,
      ...Object.fromEntries(['bio', 'location', 'linkedin', 'twitter', 'discord', 'website_url', 'github', 'job_title'].map((k) => [k, ''])),
      pronouns: null,
      organization: '',
      bot: user.bot ?? false,
      work_information: null,
      local_time: null,
      last_sign_in_at: created,
      confirmed_at: created,
      last_activity_on: new Date().toISOString().slice(0, 10),
      email,
      theme_id: 3,
      color_scheme_id: 1,
      projects_limit: 100000,
      current_sign_in_at: new Date().toISOString(),
      identities: [],
      can_create_group: true,
      can_create_project: true,
      two_factor_enabled: false,
      external: false,
      private_profile: false,
      commit_email: email,
      preferred_language: 'en',
    };
  }

  function projectRows(user: FakeGitLabUser): ProjectRow[] {
    return Array.from({ length: ctx.projectCounts.get(user.username) ?? 0 }, (_, k) => {
      const i = k + 1;
      const created = PROJECT_EPOCH + i * 86_400_000;
      return {
        owner: user,
        i,
        id: user.id * 10000 + i,
        name: `project-${String(i).padStart(4, '0')}`,
        visibility: i % 3 === 0 ? 'private' : i % 5 === 0 ? 'internal' : 'public',
        created,
        lastActivity: created + ((i * 7919) % 97) * 3_600_000,
        updated: created + 60_000,
        stars: (i * 37) % 50,
      };
    });
  }

  function projectJson(r: ProjectRow, simple: boolean, viewer: FakeGitLabUser): Record<string, unknown> {
    const url = ctx.url();
    const u = r.owner;
    const full = `${u.username}/${r.name}`;
    const base: Record<string, unknown> = {
      id: r.id,
      description: r.i % 4 === 0 ? null : `Test project number ${r.i}`,
      name: r.name,
      name_with_namespace: `${u.name ?? u.username} / ${r.name}`,
      path: r.name,
      path_with_namespace: full,
      created_at: iso(r.created),
      default_branch: 'main',
      tag_list: TOPICS[r.i % TOPICS.length],
      topics: TOPICS[r.i % TOPICS.length],
      ssh_url_to_repo: `git@${new URL(url).hostname}:${full}.git`,
      http_url_to_repo: `${url}/${full}.git`,
      web_url: `${url}/${full}`,
      readme_url: `${url}/${full}/-/blob/main/README.md`,
      forks_count: r.i % 7,
      avatar_url: null,
      star_count: r.stars,
      last_activity_at: iso(r.lastActivity),
      namespace: { id: u.id + 100000, name: u.name ?? u.username, path: u.username, kind: 'user', full_path: u.username, parent_id: null, avatar_url: `/uploads/-/system/user/avatar/${u.id}/avatar.png`, web_url: `${url}/${u.username}` },
    };
    // CHOICE: simple=true → GitLab's BasicProjectDetails (no visibility/archived/owner/permissions/_links).
    if (simple) return base;
    const api = `${url}/api/v4/projects/${r.id}`;
    const links = ['issues', 'merge_requests', 'repo_branches', 'labels', 'events', 'members', 'cluster_agents'];
    return {
      ...base,
      container_registry_image_prefix: `registry.${new URL(url).hostname}/${full}`,
      _links: { self: api, ...Object.fromEntries(links.map((k) => [k, `${api}/${k === 'repo_branches' ? 'repository/branches' : k}`])) },
      packages_enabled: true,
      empty_repo: r.i % 11 === 0,
      archived: r.i % 13 === 0,
      visibility: r.visibility,
      owner: { id: u.id, username: u.username, public_email: u.public_email ?? '', name: u.name ?? u.username, state: u.state ?? 'active', locked: false, avatar_url: userJson(u).avatar_url, web_url: `${url}/${u.username}` },
      resolve_outdated_diff_discussions: false,
      container_expiration_policy: { cadence: '1d', enabled: false, keep_n: 10, older_than: '90d', name_regex: '.*', name_regex_keep: null, next_run_at: iso(r.updated + 86_400_000) },
      repository_object_format: 'sha1',
      ...Object.fromEntries(['issues', 'merge_requests', 'wiki', 'jobs', 'snippets', 'container_registry'].map((k) => [`${k}_enabled`, true])),
      service_desk_enabled: false,
      can_create_merge_request_in: true,
      ...Object.fromEntries(ENABLED_FEATURES.map((k) => [`${k}_access_level`, 'enabled'])),
      pages_access_level: r.visibility === 'public' ? 'enabled' : 'private',
      security_and_compliance_access_level: 'private',
      emails_disabled: false,
      emails_enabled: true,
      shared_runners_enabled: true,
      lfs_enabled: true,
      creator_id: u.id,
      import_status: 'none',
      open_issues_count: (r.i * 3) % 17,
      description_html: r.i % 4 === 0 ? '' : `<p data-sourcepos="1:1-1:${20 + String(r.i).length}" dir="auto">Test project number ${r.i}</p>`,
      updated_at: iso(r.updated),
      ci_config_path: '',
      public_jobs: true,
      shared_with_groups: [],
      only_allow_merge_if_pipeline_succeeds: false,
      allow_merge_on_skipped_pipeline: null,
      request_access_enabled: true,
      only_allow_merge_if_all_discussions_are_resolved: false,
      remove_source_branch_after_merge: true,
      printing_merge_request_link_enabled: true,
      merge_method: 'merge',
      squash_option: 'default_off',
      enforce_auth_checks_on_uploads: true,
      ...Object.fromEntries(['suggestion_commit_message', 'merge_commit_template', 'squash_commit_template', 'issue_branch_template', 'max_artifacts_size'].map((k) => [k, null])),
      warn_about_potentially_unwanted_characters: true,
      autoclose_referenced_issues: true,
      permissions: { project_access: viewer.username === u.username ? { access_level: 50, notification_level: 3 } : null, group_access: null },
    };
  }

  function sortValue(r: ProjectRow, orderBy: string): number | string {
    if (orderBy === 'id') return r.id;
    if (orderBy === 'name') return `${(r.owner.name ?? r.owner.username).toLowerCase()} / ${r.name}`;
    if (orderBy === 'path') return `${r.owner.username}/${r.name}`;
    if (orderBy === 'updated_at') return r.updated;
    if (orderBy === 'last_activity_at') return r.lastActivity;
    if (orderBy === 'star_count') return r.stars;
    return r.created;
  }

  // https://docs.gitlab.com/api/projects/#list-all-projects and
  // https://docs.gitlab.com/api/rest/#offset-based-pagination (x-* headers, Link).
  function projects(res: ServerResponse, viewer: FakeGitLabUser, q: Params, u: URL): void {
    const orderBy = q.order_by ?? 'created_at';
    if (!ORDER_BY.includes(orderBy)) return sendJson(res, 400, { error: 'order_by does not have a valid value' });
    const sort = q.sort ?? 'desc';
    if (!['asc', 'desc'].includes(sort)) return sendJson(res, 400, { error: 'sort does not have a valid value' });
    if (q.visibility !== undefined && !['private', 'internal', 'public'].includes(q.visibility)) {
      return sendJson(res, 400, { error: 'visibility does not have a valid value' });
    }
    const truthy = (v: string | undefined): boolean => v === 'true' || v === '1';
    // membership/owned: the viewer's own; else everything the viewer can see (others' public/internal too).
    let rows = truthy(q.membership) || truthy(q.owned)
      ? projectRows(viewer)
      : ctx.users.flatMap((x) => projectRows(x).filter((r) => x.username === viewer.username || r.visibility !== 'private'));
    if (q.visibility) rows = rows.filter((r) => r.visibility === q.visibility);
    if (q.archived !== undefined) rows = rows.filter((r) => (r.i % 13 === 0) === truthy(q.archived));
    if (q.search) rows = rows.filter((r) => r.name.includes(q.search!));
    rows.sort((a, b) => {
      const va = sortValue(a, orderBy);
      const vb = sortValue(b, orderBy);
      const c = va < vb ? -1 : va > vb ? 1 : a.id - b.id;
      return sort === 'asc' ? c : -c;
    });

    let perPage = Number.parseInt(q.per_page ?? '20', 10);
    if (!Number.isFinite(perPage) || perPage < 1) perPage = 20;
    perPage = Math.min(perPage, 100);
    let page = Number.parseInt(q.page ?? '1', 10);
    if (!Number.isFinite(page) || page < 1) page = 1;
    const total = rows.length;
    const totalPages = Math.max(1, Math.ceil(total / perPage));
    const slice = rows.slice((page - 1) * perPage, page * perPage);
    // Above 10,000 items GitLab leaves out x-total, x-total-pages and rel="last" (documented, link above).
    const omitTotals = ctx.options.omitTotals ?? total > 10_000;

    const linkFor = (pg: number): string => {
      const lu = new URL(`${ctx.url()}${u.pathname}`);
      const params = new URLSearchParams(u.searchParams);
      params.set('page', String(pg));
      params.set('per_page', String(perPage));
      // GitLab echoes the query parameters sorted by name.
      for (const [k, v] of [...params].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) lu.searchParams.append(k, v);
      return lu.toString();
    };
    const links: string[] = [];
    if (page > 1) links.push(`<${linkFor(page - 1)}>; rel="prev"`);
    if (page < totalPages) links.push(`<${linkFor(page + 1)}>; rel="next"`);
    links.push(`<${linkFor(1)}>; rel="first"`);
    if (!omitTotals) links.push(`<${linkFor(totalPages)}>; rel="last"`);
    const headers: Record<string, string | number> = {
      link: links.join(', '),
      'x-page': page,
      'x-per-page': perPage,
      'x-next-page': page < totalPages ? String(page + 1) : '',
      'x-prev-page': page > 1 ? String(page - 1) : '',
      ...(omitTotals ? {} : { 'x-total': total, 'x-total-pages': totalPages }),
    };
    void pageWait(ctx.options.pageDelay, page, ctx.sleep).then(() => sendJson(res, 200, slice.map((r) => projectJson(r, truthy(q.simple), viewer)), headers));
  }

  return (req, res, method, path, q, u) => {
    const rest = path.slice('/api/v4'.length) || '/';
    const resource = method !== 'GET' ? undefined : rest === '/user' ? 'user' : rest === '/projects' ? 'projects' : rest === '/version' ? 'version' : undefined;
    if (!resource) return sendJson(res, 404, { error: '404 Not Found' });
    const username = ctx.authenticate(req, res, resource === 'projects' ? ['read_api', 'api'] : ['read_user', 'api', 'read_api']);
    if (username === undefined) return;
    if (resource === 'user') return sendJson(res, 200, userJson(ctx.findUser(username)));
    if (resource === 'projects') return projects(res, ctx.findUser(username), q, u);
    sendJson(res, 200, { version: '17.11.0-ee', revision: 'fake0000', kas: { enabled: false, externalUrl: null, version: null }, enterprise: true });
  };
}
