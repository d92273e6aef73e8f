// Where `oauthcli api` sends a request, decided before anything is sent. The account's token goes
// only to an origin its provider owns (Endpoints.apiOrigins); any other URL is a usage error.
// - a path (`/user`, `user/repos?per_page=5`) is relative to the provider's API base, as gh's
//   RESTPrefix + path;
// - a full URL (gh's test: it contains `://`) must be on an origin the provider owns, where an
//   entry such as `https://*.googleapis.com` stands for any host under googleapis.com;
// - `graphql` is the provider's GraphQL endpoint where it has one (Endpoints.graphql).
import { usageError } from '../errors.js';
import type { Endpoints } from '../providers/types.js';

export interface Target {
  url: string;
  /** The endpoint was `graphql`: fields other than query and operationName are variables. */
  graphql: boolean;
}

export function resolveEndpoint(endpoints: Pick<Endpoints, 'api' | 'apiOrigins' | 'host' | 'graphql'>, endpoint: string): Target {
  if (endpoint.trim() === '') throw usageError('the endpoint is empty: give a path such as /user, or a URL', 'bad_endpoint');
  if (endpoint === 'graphql' && endpoints.graphql) return { url: endpoints.graphql, graphql: true };
  let url: URL;
  if (endpoint.includes('://')) {
    try {
      url = new URL(endpoint);
    } catch {
      throw usageError(`'${endpoint}' is not a valid URL`, 'bad_endpoint');
    }
  } else {
    // Checked below like a full URL: whatever the path holds, the origin must stay the API's.
    url = new URL(`${endpoints.api}/${endpoint.replace(/^\/+/, '')}`);
  }
  if (url.username || url.password) throw usageError(`'${endpoint}': a URL with credentials in it is not accepted`, 'bad_endpoint');
  if (!ownsOrigin(endpoints.apiOrigins, url)) {
    throw usageError(
      `${url.origin} is not ${endpoints.host}'s API (${endpoints.apiOrigins.join(', ')}): the token is sent only there. Give a path such as /user, or a URL on that host`,
      'foreign_url',
    );
  }
  return { url: url.href, graphql: false };
}

/** Whether `url`'s origin is one of `origins`; `scheme://*.domain[:port]` matches any host under the domain, not the domain itself. */
export function ownsOrigin(origins: readonly string[], url: URL): boolean {
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return false;
  return origins.some((entry) => {
    const m = /^(https?:)\/\/\*\.([^/:]+)(?::(\d+))?$/i.exec(entry);
    if (!m) {
      try {
        return new URL(entry).origin === url.origin;
      } catch {
        return false;
      }
    }
    const [, scheme, domain, port = ''] = m;
    return url.protocol === scheme!.toLowerCase() && url.port === port && url.hostname.endsWith(`.${domain!.toLowerCase()}`);
  });
}

/** gh's addPerPage: `per_page=100` unless the URL or the fields already set it. */
export function addPerPage(url: string, fieldNames: readonly string[]): string {
  if (fieldNames.includes('per_page') || new URL(url).searchParams.get('per_page')) return url;
  return `${url}${url.includes('?') ? '&' : '?'}per_page=100`;
}
