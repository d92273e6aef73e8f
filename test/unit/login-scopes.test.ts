// `login -s`: the scopes asked for are the provider's defaults plus every -s (repeated or
// comma-separated), as `gh auth login -s` ("additional authentication scopes to request",
// https://cli.github.com/manual/gh_auth_login). In process, through the device flow of a fake GitHub.
import { afterEach, describe, expect, it } from 'vitest';
import { run as login, withDefaultScopes } from '../../src/cli/commands/login.js';
import { fakeHttpClient } from '../support/fake-http-client.js';
import { testWorld, type TestWorld } from '../support/test-world.js';

const worlds: TestWorld[] = [];
afterEach(() => {
  for (const w of worlds.splice(0)) w.cleanup();
});

describe('withDefaultScopes', () => {
  it.each([
    [[], ['read:user', 'repo']],
    [['read:org'], ['read:user', 'repo', 'read:org']],
    [['read:org', 'gist'], ['read:user', 'repo', 'read:org', 'gist']],
    [['read:org,gist', 'workflow'], ['read:user', 'repo', 'read:org', 'gist', 'workflow']],
    [['repo', 'read:org read:org'], ['read:user', 'repo', 'read:org']],
  ])('-s %j → %j', (added, scopes) => {
    expect(withDefaultScopes(['read:user', 'repo'], added)).toEqual(scopes);
  });
});

describe('login github -s, in process', () => {
  it('-s read:org -s gist,workflow asks for the defaults and all three', async () => {
    const http = fakeHttpClient((req) => {
      // https://docs.github.com/en/apps/oauth-apps/building-oauth-apps/authorizing-oauth-apps#device-flow
      if (req.url.pathname === '/login/device/code') return { body: { device_code: 'dc', user_code: 'ABCD-1234', verification_uri: 'https://github.com/login/device', expires_in: 900, interval: 1 } };
      if (req.url.pathname === '/login/oauth/access_token') return { body: { access_token: 'gho_scopesTest0123456789', token_type: 'bearer', scope: String(http.requests[0]!.form?.scope).replace(/ /g, ',') } };
      if (req.url.pathname === '/user') return { headers: { 'x-oauth-scopes': 'read:user, repo, read:org, gist, workflow' }, body: { login: 'octocat', id: 1 } };
      return { status: 404, body: { message: 'Not Found' } };
    });
    const t = testWorld({ http, env: { OAUTHCLI_GITHUB_CLIENT_ID: 'Iv1.test' } });
    worlds.push(t);
    expect(await login(t.world, 'github', { device: true, browser: false, timeout: '1m', scopes: ['read:org', 'gist,workflow'] })).toBe(0);
    expect(http.requests[0]!.form?.scope?.split(' ')).toEqual(['read:user', 'repo', 'read:org', 'gist', 'workflow']);
    expect(t.world.accounts.list()[0]!.scopes).toEqual(['read:user', 'repo', 'read:org', 'gist', 'workflow']);
  });
});
