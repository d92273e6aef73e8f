// GET /user/repos: the signed-in user's repositories on GitHub or GitHub Enterprise Server,
// 100 a page, the pages after the first fetched in parallel (src/http/paginate.ts).
import type { HttpClient } from '../http/client.js';
import type { TokenSet } from '../token-set.js';
import { GITHUB_API_HEADERS } from './github-api-headers.js';
import { RESPONSE_TIME_BUDGET } from './github-server-time.js';
import { pageSizeFor, repoPages } from './repo-pages.js';
import type { Endpoints, RepoPage, RepoQuery, RepoSummary } from './types.js';

/** GitHub's largest page. */
export const MAX_PER_PAGE = 100;

/** A repository as GitHub sends it (80+ fields; these are the ones the table reads). */
export interface GitHubRepo {
  full_name: string;
  name: string;
  private: boolean;
  fork: boolean;
  archived: boolean;
  description: string | null;
  html_url: string;
  language: string | null;
  stargazers_count: number;
  updated_at: string;
  visibility?: string;
  [field: string]: unknown;
}

/** The first page's URL: each query field maps one to one onto GitHub's parameter. */
export function userReposUrl(endpoints: Endpoints, query: RepoQuery): URL {
  const url = new URL(`${endpoints.api}/user/repos`);
  if (query.visibility) url.searchParams.set('visibility', query.visibility);
  if (query.affiliation?.length) url.searchParams.set('affiliation', query.affiliation.join(','));
  if (query.sort) url.searchParams.set('sort', query.sort);
  if (query.direction) url.searchParams.set('direction', query.direction);
  url.searchParams.set('per_page', String(pageSizeFor(query, MAX_PER_PAGE)));
  return url;
}

export function listGitHubRepos(http: HttpClient, endpoints: Endpoints, tokens: TokenSet, query: RepoQuery, signal?: AbortSignal): AsyncGenerator<RepoPage, void, undefined> {
  return repoPages<GitHubRepo>({
    http,
    url: userReposUrl(endpoints, query),
    headers: GITHUB_API_HEADERS,
    accessToken: tokens.accessToken,
    query,
    pageSize: pageSizeFor(query, MAX_PER_PAGE),
    responseTimeBudget: RESPONSE_TIME_BUDGET,
    ...(signal ? { signal } : {}),
    isRepo: (item): item is GitHubRepo => item !== null && typeof item === 'object' && typeof (item as GitHubRepo).full_name === 'string',
    summarize: summarizeGitHubRepo,
  });
}

export function summarizeGitHubRepo(repo: GitHubRepo): RepoSummary {
  return {
    // OWNER/NAME, as gh shows it: a name alone is ambiguous across owners.
    name: repo.full_name ?? repo.name,
    visibility: typeof repo.visibility === 'string' ? repo.visibility : repo.private ? 'private' : 'public',
    fork: Boolean(repo.fork),
    archived: Boolean(repo.archived),
    description: repo.description ?? null,
    language: repo.language ?? null,
    stars: typeof repo.stargazers_count === 'number' ? repo.stargazers_count : null,
    updatedAt: typeof repo.updated_at === 'string' ? repo.updated_at : null,
  };
}
