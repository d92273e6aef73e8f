// --jq (-q): jq's own language, by jq itself (1.8, compiled to WebAssembly: the jq-wasm package,
// MIT). Loaded only when --jq is given; a command without it pays nothing. Results print as gh
// prints them (jq-format.ts); on a terminal, control characters in them are shown, not obeyed.
import { usageError } from '../errors.js';
import { ghJqOutput } from './jq-format.js';
import { safeJson, safeLines, writeResult } from './output.js';
import type { World } from './world.js';

type Jq = Awaited<ReturnType<typeof import('jq-wasm/inline')['loadJq']>>;
let loading: Promise<Jq> | undefined;

function jq(): Promise<Jq> {
  // The "inline" build carries its WebAssembly in the module: nothing to locate on disk. Any
  // requests are over by now, so jq's WebAssembly may be optimised (src/v8-flags.ts; node:v8
  // loads only here, not with every command that can print JSON).
  loading ??= Promise.all([import('../v8-flags.js'), import('jq-wasm/inline')]).then(([flags, m]) => {
    flags.letWebAssemblyTierUp();
    return m.loadJq();
  });
  return loading;
}

/** Runs `expr` on one JSON document; resolves the output text (gh's form of each result). A bad expression is a usage error. */
export async function runJq(json: string, expr: string): Promise<string> {
  const result = (await jq()).raw(json, expr, ['-c']);
  if (result.exitCode !== 0 && result.stderr) {
    const message = result.stderr.trim().split('\n').filter((l) => !/^jq: \d+ compile error/.test(l)).join(' ');
    throw usageError(`--jq: ${message.replace(/^jq: (error: )?/, '')}`, 'bad_jq');
  }
  return ghJqOutput(result.stdout);
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
