// What a gh user types works as in gh (issue #24), the built CLI against the fake GitHub, signed in
// with the device flow: -q output, and the rest of the items as they land.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { setUp, type GitHubLab } from './harness.js';

let w: GitHubLab;
beforeAll(async () => {
  w = await setUp();
  await w.signIn();
});
afterAll(async () => {
  await w.close();
});
afterEach(() => {
  w.server.clearFaults();
  w.server.requests.length = 0;
});

describe('-q prints each result on one line, as gh does', () => {
  it('whoami, status, repos and provider list: objects compact with keys sorted, strings raw', async () => {
    w.server.setRepos('octocat', 3);
    const who = await w.cli(['whoami', '-h', w.host, '-q', '{login, host: "<&>"}, .login']);
    expect(who.stdout).toBe('{"host":"\\u003c\\u0026\\u003e","login":"octocat"}\noctocat\n');
    const status = await w.cli(['status', '-q', '.[] | {login, valid}']);
    expect(status.stdout).toBe('{"login":"octocat","valid":true}\n');
    const repos = await w.cli(['repos', '-h', w.host, '-q', '.[] | {name, private}']);
    expect(repos.stdout).toBe('{"name":"repo-0001","private":false}\n{"name":"repo-0002","private":false}\n{"name":"repo-0003","private":true}\n');
    const providers = await w.cli(['provider', 'list', '-q', 'map(.name) | .[0:2]']);
    expect(providers.stdout).toBe('["github","google"]\n');
  });
});

describe('login -s adds to the default scopes, as gh auth login -s', () => {
  it('-s read:org -s gist,workflow: the device code is asked for the defaults plus the three', async () => {
    const res = await w.cli(['login', 'github', '-h', w.host, '--device', '--no-browser', '-s', 'read:org', '-s', 'gist,workflow']);
    expect(res.code).toBe(0);
    expect([...w.server.deviceCodes.at(-1)!.scopes].sort()).toEqual(['gist', 'read:org', 'read:user', 'repo', 'workflow']);
  });
});
