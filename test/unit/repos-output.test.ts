// `repos` output as gh users expect it, in process: OWNER/NAME in the table, a table that fits
// 40-column terminals, gh's tab-separated form in a pipe (no header, nothing cut), and
// `--json FIELDS` selecting fields while a bare --json passes the provider's objects through.
import { afterEach, describe, expect, it } from 'vitest';
import { run as repos } from '../../src/cli/commands/repos.js';
import { displayWidth, RepoTable } from '../../src/cli/terminal/repo-table.js';
import type { RepoSummary } from '../../src/providers/types.js';
import { exitCodeOf as cli } from '../support/command-world.js';
import { fakeHttpClient } from '../support/fake-http-client.js';
import { testWorld, type TestWorld } from '../support/test-world.js';

const plain = { bold: (s: string) => s, dim: (s: string) => s, yellow: (s: string) => s, green: (s: string) => s, red: (s: string) => s, cyan: (s: string) => s } as never;
const NOW = Date.parse('2026-01-10T00:00:00Z');
const summary = (name: string, over: Partial<RepoSummary> = {}): RepoSummary => ({ name, visibility: 'public', fork: false, archived: false, description: `About ${name}`, language: 'TypeScript', stars: 1234, updatedAt: '2026-01-07T00:00:00Z', ...over });

describe('the table on a terminal', () => {
  it.each([40, 45, 50, 60, 80, 120])('%i columns: every row fits, OWNER/NAME and the header stay', (width) => {
    const table = new RepoTable({ paint: plain, width, now: NOW });
    const out = table.render([summary('octocat/hello-world'), summary('octocat/a-much-longer-repository-name', { visibility: 'private', fork: true, archived: true })]);
    const lines = out.trimEnd().split('\n');
    for (const line of lines) expect(displayWidth(line), line).toBeLessThanOrEqual(width);
    expect(lines[0]).toMatch(/^NAME/);
    expect(lines[1]).toMatch(width >= 50 ? /^octocat\/hello-world / : /^octocat\/hello/);
    if (width >= 120) expect(lines[0]).toMatch(/^NAME\s+VISIBILITY\s+LANGUAGE\s+STARS\s+UPDATED\s+DESCRIPTION$/);
  });
});

const worlds: TestWorld[] = [];
afterEach(() => {
  for (const w of worlds.splice(0)) w.cleanup();
});

// GET /user/repos (https://docs.github.com/en/rest/repos/repos#list-repositories-for-the-authenticated-user).
const githubRepo = (owner: string, name: string, over: Record<string, unknown> = {}) => ({
  id: name.length,
  name,
  full_name: `${owner}/${name}`,
  private: false,
  visibility: 'public',
  fork: false,
  archived: false,
  description: `About ${name}`,
  html_url: `https://github.com/${owner}/${name}`,
  language: 'Go',
  stargazers_count: 3,
  updated_at: '2026-01-07T00:00:00Z',
  ...over,
});

function world(items: unknown[], tty = false): TestWorld {
  const http = fakeHttpClient((req) => (req.url.pathname === '/user/repos' ? { body: items } : { status: 404, body: { message: 'Not Found' } }));
  const t = testWorld({ env: { OAUTHCLI_GITHUB_TOKEN: 'gho_reposOutputTest000000000' }, http, tty, columns: 100 });
  worlds.push(t);
  return t;
}

describe('repos in a pipe: gh\'s tab-separated form', () => {
  it('OWNER/NAME, description, visibility with fork/archived, updated; no header; nothing cut; tabs and newlines in text cannot add fields', async () => {
    const long = 'x'.repeat(300);
    const t = world([
      githubRepo('octocat', 'hello-world'),
      githubRepo('acme', 'tools', { private: true, visibility: 'private', fork: true, archived: true, description: 'line one\n\tline two\u001b[2J' }),
      githubRepo('octocat', long, { description: null }),
    ]);
    expect(await repos(t.world, undefined, {})).toBe(0);
    expect(t.stdout()).toBe(
      'octocat/hello-world\tAbout hello-world\tpublic\t2026-01-07T00:00:00Z\n' +
        // The escape character is made harmless (src/cli/terminal/output.ts safeText): no terminal control.
        'acme/tools\tline one line two [2J\tprivate, fork, archived\t2026-01-07T00:00:00Z\n' +
        `octocat/${long}\t\tpublic\t2026-01-07T00:00:00Z\n`,
    );
  });
});

describe('repos --json', () => {
  it('--json FIELDS: each repository with those fields only, in that order', async () => {
    const t = world([githubRepo('octocat', 'a'), githubRepo('octocat', 'b', { description: null })]);
    expect(await repos(t.world, undefined, { json: 'full_name,description' })).toBe(0);
    expect(JSON.parse(t.stdout())).toEqual([
      { full_name: 'octocat/a', description: 'About a' },
      { full_name: 'octocat/b', description: null },
    ]);
    expect(Object.keys((JSON.parse(t.stdout()) as object[])[0]!)).toEqual(['full_name', 'description']);
  });

  it('--json FIELDS with -q: the filter sees the selected fields', async () => {
    const t = world([githubRepo('octocat', 'a')]);
    expect(await repos(t.world, undefined, { json: 'name,html_url', jq: '.[0]' })).toBe(0);
    expect(t.stdout()).toBe('{"html_url":"https://github.com/octocat/a","name":"a"}\n');
  });

  it('an unknown field: exit 2 naming it and the fields there are', async () => {
    const t = world([githubRepo('octocat', 'a')]);
    expect(await cli(t, () => repos(t.world, undefined, { json: 'name,nope' }))).toBe(2);
    expect(t.stderr()).toMatch(/^oauthcli: unknown --json field 'nope' \(the repositories have: id, name, full_name, /);
  });

  it('a bare --json passes the provider\'s objects through; `--json github` is the provider, not a field', async () => {
    const items = [githubRepo('octocat', 'a', { extra: { nested: true } })];
    const t = world(items);
    expect(await repos(t.world, undefined, { json: true })).toBe(0);
    expect(JSON.parse(t.stdout())).toEqual(items);
    const p = world(items);
    expect(await repos(p.world, undefined, { json: 'github' })).toBe(0);
    expect(JSON.parse(p.stdout())).toEqual(items);
  });
});
