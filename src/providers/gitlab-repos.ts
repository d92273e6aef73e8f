// GET /api/v4/projects?membership=true: the projects the signed-in user is a member of, in
// GitLab's own JSON (its field names kept), 100 a page, through the same pagination as GitHub's
// (GitLab sends Link headers with rel="next" and, under 10,000 items, rel="last").
import type { HttpClient } from '../http/client.js';
import type { TokenSet } from '../token-set.js';
import { pageSizeFor, repoPages } from './repo-pages.js';
import type { Endpoints, RepoPage, RepoQuery, RepoSummary } from './types.js';

const MAX_PER_PAGE = 100;

/** A project as GitLab sends it; these are the fields the table reads. */
export interface GitLabProject {
  path_with_namespace: string;
  name: string;
  visibility?: string;
  description: string | null;
  star_count?: number;
  last_activity_at?: string;
  archived?: boolean;
  forked_from_project?: unknown;
  [field: string]: unknown;
}

/** --sort in GitHub's words → GitLab's order_by. */
const ORDER_BY: Record<NonNullable<RepoQuery['sort']>, string> = {
  created: 'created_at',
  updated: 'updated_at',
  pushed: 'last_activity_at',
  full_name: 'path',
};

export function projectsUrl(endpoints: Endpoints, query: RepoQuery): URL {
  const url = new URL(`${endpoints.api}/projects`);
  // Only the owner's projects when that is all --affiliation asks for; every membership otherwise.
  if (query.affiliation?.length === 1 && query.affiliation[0] === 'owner') url.searchParams.set('owned', 'true');
  else url.searchParams.set('membership', 'true');
  if (query.visibility && query.visibility !== 'all') url.searchParams.set('visibility', query.visibility);
  if (query.sort) url.searchParams.set('order_by', ORDER_BY[query.sort]);
  if (query.direction) url.searchParams.set('sort', query.direction);
  url.searchParams.set('per_page', String(pageSizeFor(query, MAX_PER_PAGE)));
  return url;
}

export function listGitLabProjects(http: HttpClient, endpoints: Endpoints, tokens: TokenSet, query: RepoQuery, signal?: AbortSignal): AsyncGenerator<RepoPage, void, undefined> {
  return repoPages<GitLabProject>({
    http,
    url: projectsUrl(endpoints, query),
    headers: { accept: 'application/json' },
    accessToken: tokens.accessToken,
    query,
    pageSize: pageSizeFor(query, MAX_PER_PAGE),
    ...(signal ? { signal } : {}),
    isRepo: (item): item is GitLabProject => item !== null && typeof item === 'object' && typeof (item as GitLabProject).path_with_namespace === 'string',
    summarize: summarizeGitLabProject,
  });
}

export function summarizeGitLabProject(project: GitLabProject): RepoSummary {
  return {
    name: project.path_with_namespace,
    visibility: typeof project.visibility === 'string' ? project.visibility : 'private',
    fork: project.forked_from_project !== undefined && project.forked_from_project !== null,
    archived: Boolean(project.archived),
    description: project.description ?? null,
    // GitLab lists no language per project (it needs one request each).
    language: null,
    stars: typeof project.star_count === 'number' ? project.star_count : null,
    updatedAt: typeof project.last_activity_at === 'string' ? project.last_activity_at : null,
  };
}
