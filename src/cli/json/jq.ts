// --jq (-q): jq's own language, by jq itself (1.8, compiled to WebAssembly: the jq-wasm package,
// MIT). Loaded only when --jq is given; a command without it pays nothing. Results print as gh
// prints them (jq-format.ts); on a terminal, control characters in them are shown, not obeyed.
import { usageError } from '../../errors.js';
import { ghJqOutput } from './jq-format.js';
import { safeJson, safeLines } from '../terminal/safe-text.js';
import { writeResult } from '../terminal/streams.js';
import type { World } from '../world.js';

type Jq = Awaited<ReturnType<typeof import('jq-wasm/inline')['loadJq']>>;
let loading: Promise<Jq> | undefined;

function jq(): Promise<Jq> {
  // The "inline" build carries its WebAssembly in the module: nothing to locate on disk. Any
  // requests are over by now, so jq's WebAssembly may be optimised (src/v8-flags.ts; node:v8
  // loads only here, not with every command that can print JSON).
  loading ??= Promise.all([import('../../v8-flags.js'), import('jq-wasm/inline')]).then(([flags, m]) => {
    flags.letWebAssemblyTierUp();
    return m.loadJq();
  });
  return loading;
}

/**
 * The deepest nesting of arrays and objects --jq takes. jq parses up to 10,000 levels, but built
 * for WebAssembly it runs out of stack printing a value some 640 levels deep (and may corrupt its
 * memory before it notices), so a deeper document is refused before jq sees it. No API answer
 * comes near: GitHub's and GitLab's nest a dozen levels.
 */
export const MAX_JQ_DEPTH = 512;

/** Runs `expr` on one JSON document; resolves the output text (gh's form of each result). A bad expression, or input jq cannot take, is a usage error. */
export async function runJq(json: string, expr: string): Promise<string> {
  if (nestedDeeperThan(json, MAX_JQ_DEPTH)) {
    throw usageError(`--jq: the JSON is nested more than ${MAX_JQ_DEPTH} levels deep, more than --jq takes; use --json (or no filter) to see it`, 'jq_too_deep');
  }
  const engine = await jq();
  let result: ReturnType<Jq['raw']>;
  // jq's WebAssembly reports an abort on console.error as well; the error below says it in one line.
  const consoleError = console.error;
  console.error = () => undefined;
  try {
    result = engine.raw(json, expr, ['-c']);
  } catch (error) {
    // Out of stack or memory (a filter that builds a deeply nested value): this jq is spent.
    loading = undefined;
    const why = (error instanceof Error ? error.message : String(error)).split('\n')[0]!.replace(/\. Build with .*$/, '');
    throw usageError(`--jq: jq could not finish this filter (${why}); a value it builds may be nested too deeply`, 'jq_failed');
  } finally {
    console.error = consoleError;
  }
  if (result.exitCode !== 0 && result.stderr) {
    const message = result.stderr.trim().split('\n').filter((l) => !/^jq: \d+ compile error/.test(l)).join(' ');
    throw usageError(`--jq: ${message.replace(/^jq: (error: )?/, '')}`, 'bad_jq');
  }
  return ghJqOutput(result.stdout);
}

/**
 * Whether arrays and objects in `json` nest more than `limit` deep: brackets counted outside
 * strings, each string skipped in one search for its closing quote (18 MB of repositories in
 * ~25 ms). Malformed JSON is left to jq to report.
 */
export function nestedDeeperThan(json: string, limit: number): boolean {
  let depth = 0;
  for (let i = 0; i < json.length; i++) {
    const c = json.charCodeAt(i);
    if (c === 0x22) {
      // To the next quote not escaped by an odd number of backslashes.
      for (;;) {
        i = json.indexOf('"', i + 1);
        if (i === -1) return false;
        let slash = i - 1;
        while (json.charCodeAt(slash) === 0x5c) slash--;
        if ((i - 1 - slash) % 2 === 0) break;
      }
    } else if (c === 0x5b || c === 0x7b) {
      if (++depth > limit) return true;
    } else if (c === 0x5d || c === 0x7d) {
      depth--;
    }
  }
  return false;
}

/** Filters `json` with `expr` and writes the results to stdout. */
export async function filterJson(world: World, json: string, expr: string): Promise<void> {
  const out = await runJq(json, expr);
  if (!out) return;
  const text = out.endsWith('\n') ? out : `${out}\n`;
  await writeResult(world, world.stdout.isTTY ? safeLines(text) : text);
}

/** A command's --json document on stdout, or, with --jq, what the filter makes of it. */
export async function printJson(world: World, value: unknown, expr: string | undefined): Promise<void> {
  if (expr) await filterJson(world, JSON.stringify(value), expr);
  else await writeResult(world, `${safeJson(value, 2)}\n`);
}
