// --jq on JSON nested deeper than jq (built for WebAssembly) can print: refused before jq sees it,
// one line, the exit code of a bad filter (2); never "unexpected error", never jq's own abort
// text on stderr. Through `oauthcli api -q` in process, and runJq itself.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { run } from '../../src/cli/commands/api.js';
import { reportError } from '../../src/cli/errors.js';
import { MAX_JQ_DEPTH, nestedDeeperThan, runJq } from '../../src/cli/json/jq.js';
import { fakeHttpClient } from '../support/fake-http-client.js';
import { testWorld, type TestWorld } from '../support/test-world.js';

const arrays = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;
const objects = (depth: number) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;

const worlds: TestWorld[] = [];
afterEach(() => {
  for (const w of worlds.splice(0)) w.cleanup();
  vi.restoreAllMocks();
});

/** `oauthcli api /deep -q FILTER` answered with `body`; the exit code as the CLI reports it. */
async function apiJq(body: string, filter: string): Promise<{ code: number; t: TestWorld }> {
  const http = fakeHttpClient(() => ({ status: 200, body, headers: { 'content-type': 'application/json' } }));
  const t = testWorld({ env: { OAUTHCLI_GITHUB_TOKEN: 'gho_depthTest0123456789' }, http });
  worlds.push(t);
  let code: number;
  try {
    code = await run(t.world, '/deep', undefined, { rawField: [], field: [], header: [], jq: filter });
  } catch (error) {
    code = reportError(error, { stderr: t.world.stderr, debug: false, redact: t.world.redact });
  }
  return { code, t };
}

describe('api -q on deeply nested JSON', () => {
  it.each([
    ['arrays 1,000 deep', arrays(1_000)],
    ['arrays 100,000 deep', arrays(100_000)],
    ['objects 1,000 deep', objects(1_000)],
    ['one level past the limit', arrays(MAX_JQ_DEPTH + 1)],
  ])('%s: one line, exit 2, nothing printed', async (_what, body) => {
    const consoleError = vi.spyOn(console, 'error');
    const { code, t } = await apiJq(body, '.');
    expect(code).toBe(2);
    expect(t.stdout()).toBe('');
    expect(t.stderr()).toBe(`oauthcli: --jq: the JSON is nested more than ${MAX_JQ_DEPTH} levels deep, more than --jq takes; use --json (or no filter) to see it\n`);
    expect(consoleError).not.toHaveBeenCalled();
  });

  it(`${MAX_JQ_DEPTH} levels, the limit, are filtered and printed`, async () => {
    const { code, t } = await apiJq(arrays(MAX_JQ_DEPTH), '.');
    expect(code, t.stderr()).toBe(0);
    expect(t.stdout().replace(/\s/g, '')).toBe(arrays(MAX_JQ_DEPTH));
  });
});

describe('deeply nested answers without -q', () => {
  it.each([1_000, 100_000])('an error body with a message %i levels deep: the HTTP error in one line, exit 1, never "unexpected error"', async (depth) => {
    const http = fakeHttpClient(() => ({ status: 422, body: `{"message":{"name":${arrays(depth)}}}`, headers: { 'content-type': 'application/json' } }));
    const t = testWorld({ env: { OAUTHCLI_GITHUB_TOKEN: 'gho_depthTest0123456789' }, http });
    worlds.push(t);
    let code: number;
    try {
      code = await run(t.world, '/deep', undefined, { rawField: [], field: [], header: [] });
    } catch (error) {
      code = reportError(error, { stderr: t.world.stderr, debug: false, redact: t.world.redact });
    }
    expect(code).toBe(1);
    expect(t.stderr()).toBe('oauthcli: api.github.com answered HTTP 422: name\n');
  });

  it('a body 100,000 levels deep is printed as it came, to a pipe and to a terminal', async () => {
    for (const tty of [false, true]) {
      const http = fakeHttpClient(() => ({ status: 200, body: arrays(100_000), headers: { 'content-type': 'application/json' } }));
      const t = testWorld({ env: { OAUTHCLI_GITHUB_TOKEN: 'gho_depthTest0123456789' }, http, tty });
      worlds.push(t);
      expect(await run(t.world, '/deep', undefined, { rawField: [], field: [], header: [] })).toBe(0);
      expect(t.stdout().replace(/\s/g, '')).toBe(arrays(100_000));
    }
  });
});

describe('runJq', () => {
  it('a filter that builds a value too deep to print: one usage error, jq reloaded for the next filter', async () => {
    const consoleError = vi.spyOn(console, 'error');
    await expect(runJq('0', 'reduce range(5000) as $i (0; [.])')).rejects.toMatchObject({ kind: 'usage', code: 'jq_failed', message: expect.not.stringContaining('\n') });
    expect(consoleError).not.toHaveBeenCalled();
    expect(await runJq('{"a":1}', '.a')).toBe('1\n');
  });

  it('brackets inside strings, and escaped quotes, do not count', () => {
    const inString = JSON.stringify(['['.repeat(5_000), '\\"[[[', '"', '\\']);
    expect(nestedDeeperThan(inString, 1)).toBe(false);
    expect(nestedDeeperThan(JSON.stringify([['"]]'], [[[]]]]), 3)).toBe(true);
    expect(nestedDeeperThan(JSON.stringify([['"]]'], [[[]]]]), 4)).toBe(false);
  });
});
