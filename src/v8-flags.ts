// The V8 flags this CLI changes at run time, through node:v8 (Node's API for it), each where it
// starts to matter and not at start-up: node:v8 and a changed flag set cost the commands that
// make no request (token, status --offline) 5-10 ms. Each flag here is one V8 reads when it
// decides (to tier up, to grow a space), so a change made late still takes effect. V8 prints
// "unrecognized flag" for one it does not know, and there is no cheap way to ask it first, so the
// flags are set only on the Node.js majors the suite runs on (test/unit/v8-flags.test.ts checks
// each flag against `node --v8-options`); a later Node runs without them, silently: slower, not
// noisier.
import v8 from 'node:v8';

/** The newest Node.js major whose V8 flags are tested (package.json "engines" says the same). */
export const NEWEST_TESTED_NODE_MAJOR = 26;

const testedNode = Number(process.versions.node.split('.')[0]) <= NEWEST_TESTED_NODE_MAJOR;

function setFlag(flag: string): void {
  if (testedNode) v8.setFlagsFromString(flag);
}

/**
 * undici parses HTTP with llhttp compiled to WebAssembly. V8 recompiles a hot wasm function with
 * its optimising compiler in the background, and a process cannot exit before that job ends: for
 * llhttp's parser that is about 100 ms of CPU and 12-20 MB of memory, spent after the last request
 * when the command is short (about a fifth of `whoami`'s time) and on the second core during a
 * listing.
 * Baseline code (Liftoff) is fast enough for HTTP, and for the item scan of json-spans.ts. A
 * tiering budget no short command reaches keeps the counting rare; a long listing still spends it
 * (50,000 repositories: the parser or the scan would be recompiled in most runs, ~13 MiB more at
 * the peak), so tier-up is also limited to a function index no module has. Set when the first HTTP
 * client is made, before either module is compiled; safe to call again.
 */
export function keepWebAssemblyInBaselineCode(): void {
  setFlag('--wasm-tiering-budget=2000000000');
  setFlag(`--wasm-tier-up-filter=${NO_FUNCTION}`);
}

/** A function index no module has (the filter's default, -1, lets every function tier up). */
const NO_FUNCTION = 1_000_000;

/**
 * jq (jq-wasm, src/cli/json/jq.ts) is the WebAssembly that gains from the optimising compiler: filtering
 * a whole listing of 5,000 repositories (28 MB) takes about an eighth less time once its hot
 * functions are recompiled. It runs once the requests are over, so the filter set above
 * is lifted for it; the budget stays, so a short filter still never waits on a compile job.
 */
export function letWebAssemblyTierUp(): void {
  setFlag('--wasm-tier-up-filter=-1');
}

/**
 * A listing allocates a little per page and keeps only the pages in flight. What survives a
 * young-generation collection is those pages, however big that generation is, so V8's growing
 * it (it doubles it when much survives) only adds memory: 8 MB for 50,000 repositories. And what
 * it moves to the old generation is garbage a page or two later (the socket buffers of a page,
 * held by undici's views of its headers): allowed to grow by a fifth between full collections
 * instead of by V8's estimate (up to 4×), the old generation sheds it as it goes instead of
 * holding ~11 MB of it. Together these keep the peak RSS of 50,000 repositories ~16 MiB lower in
 * the same time (5,000: no difference); docs/benchmarks.md has the figures. Set when a listing
 * starts; safe to call again.
 */
export function keepListingHeapSmall(): void {
  setFlag('--semi-space-growth-factor=1');
  setFlag('--heap-growing-percent=20');
}
