// Where `oauthcli api` may send the token (src/api/endpoint.ts), against each provider's real
// Endpoints: paths under the API base, full URLs only on origins the provider owns, GraphQL where
// gh puts it; and what an error answer says (src/api/error-message.ts).
import { describe, expect, it } from 'vitest';
import { addPerPage, ownsOrigin, resolveEndpoint } from '../../src/api/endpoint.js';
import { errorBodyMessage, graphqlErrors } from '../../src/api/error-message.js';
import { groupGraphqlVariables, nextEndCursor } from '../../src/api/graphql.js';
import { AppError } from '../../src/errors.js';
import { createHttpClient } from '../../src/http/client.js';
import { github } from '../../src/providers/github.js';
import { missingScope } from '../../src/providers/github-scopes.js';
import { gitlab } from '../../src/providers/gitlab.js';
import { google } from '../../src/providers/google.js';
import { fakeHttpClient } from '../support/fake-http-client.js';

const http = createHttpClient();
const endpointsOf = (provider: typeof github, host: string) => provider.endpoints(host, http);

describe('resolveEndpoint', () => {
  it.each([
    ['github.com', '/user', 'https://api.github.com/user'],
    ['github.com', 'user/repos?per_page=5', 'https://api.github.com/user/repos?per_page=5'],
    ['github.com', '//user', 'https://api.github.com/user'],
    ['github.com', 'https://api.github.com/rate_limit', 'https://api.github.com/rate_limit'],
    ['ghe.example.com', '/user', 'https://ghe.example.com/api/v3/user'],
    ['ghe.example.com', 'https://ghe.example.com/api/v3/meta', 'https://ghe.example.com/api/v3/meta'],
    ['acme.ghe.com', 'user', 'https://api.acme.ghe.com/user'],
    ['127.0.0.1:8080', '/user', 'http://127.0.0.1:8080/api/v3/user'],
  ])('github %s: %s → %s', async (host, endpoint, url) => {
    expect(resolveEndpoint(await endpointsOf(github, host), endpoint)).toEqual({ url, graphql: false });
  });

  it.each([
    ['github.com', 'https://api.github.com/graphql'],
    ['acme.ghe.com', 'https://api.acme.ghe.com/graphql'],
    ['ghe.example.com', 'https://ghe.example.com/api/graphql'],
    ['127.0.0.1:8080', 'http://127.0.0.1:8080/api/graphql'],
  ])('github %s: graphql → %s (gh ghinstance.GraphQLEndpoint)', async (host, url) => {
    expect(resolveEndpoint(await endpointsOf(github, host), 'graphql')).toEqual({ url, graphql: true });
  });

  it('gitlab: REST under /api/v4, GraphQL at /api/graphql', async () => {
    const e = await endpointsOf(gitlab, 'gitlab.example.com');
    expect(resolveEndpoint(e, 'projects?membership=true').url).toBe('https://gitlab.example.com/api/v4/projects?membership=true');
    expect(resolveEndpoint(e, 'graphql')).toEqual({ url: 'https://gitlab.example.com/api/graphql', graphql: true });
  });

  it('graphql is an ordinary path for a provider without GraphQL', async () => {
    // Google's endpoints, from a discovery document of its shape.
    const discovery = fakeHttpClient(() => ({
      body: { issuer: 'https://accounts.google.com', authorization_endpoint: 'https://accounts.google.com/o/oauth2/v2/auth', token_endpoint: 'https://oauth2.googleapis.com/token' },
    }));
    const e = await google.endpoints('accounts.google.com', discovery);
    expect(e.graphql).toBeUndefined();
    expect(e.api).toBe('https://www.googleapis.com');
    expect(resolveEndpoint(e, 'graphql')).toEqual({ url: 'https://www.googleapis.com/graphql', graphql: false });
  });

  it.each([
    'https://evil.example/user',
    'https://api.github.com.evil.example/user',
    'http://api.github.com/user',
    'https://api.github.com:8443/user',
    'https://github.com/settings',
    'ftp://api.github.com/user',
    'https://user:pass@api.github.com/user',
    'not a url://x',
  ])('github.com: %s is refused (usage error)', async (endpoint) => {
    let error: unknown;
    try {
      resolveEndpoint(await endpointsOf(github, 'github.com'), endpoint);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).kind).toBe('usage');
  });

  it('an empty endpoint is a usage error', async () => {
    expect(() => resolveEndpoint({ host: 'github.com', api: 'https://api.github.com', apiOrigins: ['https://api.github.com'] }, ' ')).toThrow(/empty/);
  });
});

describe('ownsOrigin', () => {
  const google = ['https://*.googleapis.com'];
  it.each([
    ['https://www.googleapis.com/oauth2/v3/userinfo', true],
    ['https://gmail.googleapis.com/gmail/v1/users/me/profile', true],
    ['https://a.b.googleapis.com/x', true],
    ['https://googleapis.com/x', false],
    ['https://evilgoogleapis.com/x', false],
    ['https://www.googleapis.com.evil.example/x', false],
    ['http://www.googleapis.com/x', false],
    ['https://www.googleapis.com:444/x', false],
  ])('*.googleapis.com: %s → %s', (url, owned) => {
    expect(ownsOrigin(google, new URL(url))).toBe(owned);
  });
});

describe('per_page (gh addPerPage)', () => {
  it('adds per_page=100 unless the URL or the fields set it', () => {
    expect(addPerPage('https://api.github.com/user/repos', [])).toBe('https://api.github.com/user/repos?per_page=100');
    expect(addPerPage('https://api.github.com/user/repos?sort=updated', [])).toBe('https://api.github.com/user/repos?sort=updated&per_page=100');
    expect(addPerPage('https://api.github.com/user/repos?per_page=5', [])).toBe('https://api.github.com/user/repos?per_page=5');
    expect(addPerPage('https://api.github.com/user/repos', ['per_page'])).toBe('https://api.github.com/user/repos');
  });
});

describe('error messages (gh parseErrorResponse, and GitLab, OAuth, Google shapes)', () => {
  it.each([
    ['{"message":"Not Found","documentation_url":"x"}', 'Not Found'],
    ['{"message":"Validation Failed","errors":[{"resource":"Repository","field":"name","message":"name already exists on this account"}]}', 'Validation Failed: name already exists on this account'],
    ['{"message":"Bad","errors":"oops"}', 'oops (Bad)'],
    ['{"errors":["a","b"]}', 'a; b'],
    ['{"message":{"name":["has already been taken"],"path":["is invalid"]}}', 'name has already been taken; path is invalid'],
    ['{"error":"invalid_token","error_description":"Token is expired"}', 'Token is expired'],
    ['{"error":"insufficient_scope"}', 'insufficient_scope'],
    ['{"error":{"code":403,"message":"Request had insufficient authentication scopes."}}', 'Request had insufficient authentication scopes.'],
    ['<html>502</html>', undefined],
    ['[]', undefined],
    ['{}', undefined],
  ])('%s → %s', (body, message) => {
    expect(errorBodyMessage(body)).toBe(message);
  });

  it('GraphQL errors come with HTTP 200', () => {
    expect(graphqlErrors('{"data":null,"errors":[{"message":"Field x does not exist"},{"message":"y"}]}')).toBe('Field x does not exist; y');
    expect(graphqlErrors('{"data":{"viewer":{"login":"octocat"}}}')).toBeUndefined();
    expect(graphqlErrors('not json')).toBeUndefined();
  });

  it('names the scope GitHub says the endpoint needs (gh ScopesSuggestion), counting implied scopes', () => {
    expect(missingScope(404, { 'x-oauth-scopes': 'read:user', 'x-accepted-oauth-scopes': 'repo' })).toBe('repo');
    expect(missingScope(403, { 'x-oauth-scopes': 'repo', 'x-accepted-oauth-scopes': 'repo:status, public_repo' })).toBeUndefined();
    expect(missingScope(403, { 'x-oauth-scopes': 'admin:org', 'x-accepted-oauth-scopes': 'read:org' })).toBeUndefined();
    expect(missingScope(403, { 'x-oauth-scopes': 'write:packages', 'x-accepted-oauth-scopes': 'read:packages' })).toBeUndefined();
    expect(missingScope(422, { 'x-oauth-scopes': '', 'x-accepted-oauth-scopes': 'repo' })).toBeUndefined();
    expect(missingScope(404, { 'x-accepted-oauth-scopes': 'repo' })).toBeUndefined();
    expect(missingScope(500, { 'x-oauth-scopes': 'gist', 'x-accepted-oauth-scopes': 'repo' })).toBeUndefined();
  });
});

describe('GraphQL (gh groupGraphQLVariables, findEndCursor)', () => {
  it('keeps query and operationName at the top; the rest are variables', () => {
    expect(groupGraphqlVariables({ query: 'q', operationName: 'Op', owner: 'cli', n: 3n })).toEqual({ query: 'q', operationName: 'Op', variables: { owner: 'cli', n: 3n } });
    expect(groupGraphqlVariables({ query: 'q' })).toEqual({ query: 'q' });
  });

  it('finds the first pageInfo; no cursor once hasNextPage is false', () => {
    const page = (hasNextPage: boolean) => JSON.stringify({ data: { viewer: { repositories: { nodes: [{ pageInfo: 'not this' }], pageInfo: { hasNextPage, endCursor: 'Y3Vyc29yOjEwMA==' } } } } });
    expect(nextEndCursor(page(true))).toBe('Y3Vyc29yOjEwMA==');
    expect(nextEndCursor(page(false))).toBeUndefined();
    expect(nextEndCursor('{"data":{}}')).toBeUndefined();
  });
});
