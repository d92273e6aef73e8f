// `oauthcli api graphql`: gh's two GraphQL rules.
// - Body: `query` and `operationName` stay at the top; every other field is a variable.
// - `--paginate`: the query takes `$endCursor: String` and selects `pageInfo { hasNextPage
//   endCursor }`; while the answer's first pageInfo says hasNextPage, ask again with
//   endCursor set to its endCursor.
import type { FieldMap } from './fields.js';

/** gh's groupGraphQLVariables. */
export function groupGraphqlVariables(params: FieldMap): FieldMap {
  const top = Object.create(null) as FieldMap;
  const variables = Object.create(null) as FieldMap;
  for (const [key, value] of Object.entries(params)) {
    if (key === 'query' || key === 'operationName') top[key] = value;
    else variables[key] = value;
  }
  if (Object.keys(variables).length > 0) top.variables = variables;
  return top;
}

/** The cursor of the next page: the first `pageInfo` (in document order) with hasNextPage true; else undefined. */
export function nextEndCursor(body: string): string | undefined {
  let doc: unknown;
  try {
    doc = JSON.parse(body);
  } catch {
    return undefined;
  }
  const pageInfo = firstPageInfo(doc);
  return pageInfo?.hasNextPage === true && typeof pageInfo.endCursor === 'string' && pageInfo.endCursor !== '' ? pageInfo.endCursor : undefined;
}

interface PageInfo {
  hasNextPage?: unknown;
  endCursor?: unknown;
}

function firstPageInfo(value: unknown): PageInfo | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  for (const [key, child] of Object.entries(value)) {
    if (key === 'pageInfo' && typeof child === 'object' && child !== null && !Array.isArray(child) && 'hasNextPage' in child) return child as PageInfo;
    const found = firstPageInfo(child);
    if (found) return found;
  }
  return undefined;
}
