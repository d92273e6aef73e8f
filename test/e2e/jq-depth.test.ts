// @needs-keychain: these tests sign in and keep tokens in the OS keychain.
// `oauthcli api -q` on a deeply nested answer, the built CLI against the fake GitHub: one line on
// stderr, exit 2 (as for a bad filter), never "unexpected error" nor jq's own abort text.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setUp, type GitHubLab } from './harness.js';

let w: GitHubLab;
beforeAll(async () => {
  w = await setUp();
  await w.signIn();
});
afterAll(async () => {
  await w.close();
});

describe('api -q on deeply nested JSON', () => {
  it.each([1_000, 100_000])('arrays %i deep: one line, exit 2', async (depth) => {
    w.server.fail('/api/v3/deep', { status: 200, body: `${'['.repeat(depth)}${']'.repeat(depth)}`, headers: { 'content-type': 'application/json' } });
    const res = await w.cli(['api', '/deep', '-q', '.']);
    expect(res.code).toBe(2);
    expect(res.stdout).toBe('');
    expect(res.stderr).toBe('oauthcli: --jq: the JSON is nested more than 512 levels deep, more than --jq takes; use --json (or no filter) to see it\n');
  });
});
