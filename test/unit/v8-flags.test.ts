// V8 prints "Error: unrecognized flag" for a flag it does not know, on every command that sets it:
// every flag src/v8-flags.ts sets must be one this Node reports in `node --v8-options`.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';

it('every V8 flag the CLI sets at run time is one this Node knows', () => {
  const source = readFileSync(new URL('../../src/v8-flags.ts', import.meta.url), 'utf8');
  const set = [...source.matchAll(/setFlag\(\s*[`'](--[a-z0-9-]+)=/g)].map((m) => m[1]!);
  expect(set.length).toBeGreaterThanOrEqual(4);
  const known = new Set([...execFileSync(process.execPath, ['--v8-options'], { encoding: 'utf8' }).matchAll(/^\s+(--[a-z0-9-]+)/gm)].map((m) => m[1]!));
  for (const flag of set) expect(known, flag).toContain(flag);
});

it('engines names the newest Node.js major whose flags are tested, and this Node is within it', async () => {
  const { NEWEST_TESTED_NODE_MAJOR } = await import('../../src/v8-flags.js');
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { engines: { node: string } };
  expect(pkg.engines.node).toBe(`>=22.20 <${NEWEST_TESTED_NODE_MAJOR + 1}`);
  expect(Number(process.versions.node.split('.')[0])).toBeLessThanOrEqual(NEWEST_TESTED_NODE_MAJOR);
});
