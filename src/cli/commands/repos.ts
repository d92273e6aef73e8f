// `oauthcli repos [provider]`: the signed-in user's repositories, streamed page by page as they
// arrive (pages after the first are fetched in parallel: src/http/paginate.ts). `--json` passes
// each page's items through as the provider wrote them, so 5,000 repositories (~30 MB of JSON)
// are never parsed and printed again as a whole, and memory stays bounded.
import { usageError } from '../../errors.js';
import { JsonItems } from '../../http/json-items.js';
import type { RepoPage, RepoQuery } from '../../providers/types.js';
import { openSession } from '../../session/open-session.js';
import { ListingPages } from '../../store/listing-pages.js';
import { filterJson } from '../json/jq.js';
import { paintFor } from '../terminal/paint.js';
import { escapeJsonControls, safeText } from '../terminal/safe-text.js';
import { writeResult } from '../terminal/streams.js';
import { progressLine, thousands, type Progress } from '../terminal/progress.js';
import type { World } from '../world.js';

export interface ReposOptions {
  hostname?: string;
  user?: string;
  /** true: the provider's objects as they are; a comma-separated list: only those fields of each (gh's `--json name,url`). */
  json?: boolean | string;
  jq?: string;
  limit?: string;
  visibility?: string;
  affiliation?: string;
  sort?: string;
  direction?: string;
  maxPages?: string;
}

const VISIBILITIES = ['all', 'public', 'private'] as const;
const AFFILIATIONS = ['owner', 'collaborator', 'organization_member'] as const;
const SORTS = ['created', 'updated', 'pushed', 'full_name'] as const;
const DIRECTIONS = ['asc', 'desc'] as const;

/** Flags → query, or a usage error (exit 2) before anything is read or requested. */
export function reposQuery(opts: ReposOptions, env: NodeJS.ProcessEnv = {}): RepoQuery {
  const query: RepoQuery = {};
  if (opts.limit !== undefined) query.limit = positiveInteger(opts.limit, '--limit');
  if (opts.visibility !== undefined) query.visibility = oneOf(opts.visibility, VISIBILITIES, '--visibility');
  if (opts.affiliation !== undefined) {
    const parts = opts.affiliation.split(',').map((s) => s.trim());
    if (parts.some((p) => p === '')) throw usageError(`invalid --affiliation '${opts.affiliation}' (a comma-separated list of ${AFFILIATIONS.join(', ')})`);
    query.affiliation = [...new Set(parts.map((p) => oneOf(p, AFFILIATIONS, '--affiliation')))];
  }
  if (opts.sort !== undefined) query.sort = oneOf(opts.sort, SORTS, '--sort');
  if (opts.direction !== undefined) query.direction = oneOf(opts.direction, DIRECTIONS, '--direction');
  if (opts.maxPages !== undefined) query.maxPages = positiveInteger(opts.maxPages, '--max-pages');
  // Pages in flight at once; 1 reads the listing one page after another (the benchmark's baseline).
  const concurrency = env.OAUTHCLI_PAGE_CONCURRENCY;
  if (concurrency) query.concurrency = positiveInteger(concurrency, 'OAUTHCLI_PAGE_CONCURRENCY');
  return query;
}

function positiveInteger(value: string, what: string): number {
  const n = /^\s*\d+\s*$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < 1) throw usageError(`invalid ${what} '${value}' (a whole number, 1 or more)`);
  return n;
}

function oneOf<T extends string>(value: string, allowed: readonly T[], what: string): T {
  if (!(allowed as readonly string[]).includes(value)) throw usageError(`invalid ${what} '${value}' (one of: ${allowed.join(', ')})`);
  return value as T;
}

/** `--json name,html_url` → the fields; undefined for a bare --json. */
export function jsonFields(json: ReposOptions['json']): string[] | undefined {
  if (typeof json !== 'string') return undefined;
  const fields = [...new Set(json.split(',').map((f) => f.trim()))];
  if (fields.some((f) => f === '')) throw usageError(`invalid --json '${json}' (a comma-separated list of fields, e.g. --json full_name,html_url)`);
  return fields;
}

export async function run(world: World, providerName: string | undefined, opts: ReposOptions): Promise<number> {
  // `repos --json github`: commander reads the provider as the fields' list; a provider name is not a field.
  if (typeof opts.json === 'string' && providerName === undefined && world.providers.names().includes(opts.json.toLowerCase())) {
    providerName = opts.json;
    opts = { ...opts, json: true };
  }
  const fields = jsonFields(opts.json);
  const query = reposQuery(opts, world.env);
  const account = world.selectAccount({ provider: providerName, hostname: opts.hostname, user: opts.user });
  const provider = world.providers.get(account.provider);
  if (!provider.listRepos) throw usageError(`listing repositories is not available for ${provider.displayName}`, 'unsupported');
  // Both are needed for page 1, and both start now: the keychain read (its native module and a
  // D-Bus connection first, then a round trip answered on another thread) and the HTTP client's
  // modules. Whichever module arrives first is evaluated first; today that is undici (~50 ms).
  const opening = openSession(world, account);
  const loading = world.http();
  loading.catch(() => undefined);
  const session = await opening;
  const http = await loading;
  const asJson = Boolean(opts.json || opts.jq);
  // Last time's page count: the pages are asked for together with page 1 (src/store/listing-pages.ts).
  const listings = new ListingPages(world.cacheDir);
  const listing = listingKey(account.key, query);
  const expectedPages = listings.recall(listing);
  const pages = provider.listRepos(http, await session.endpoints(), session.tokens, { ...query, asJson, ...(expectedPages ? { expectedPages } : {}) }, world.signal);

  const progress = progressLine(world, 'repositories');
  const totals: Totals = { count: 0, more: false };
  const tallied = tally(pages, progress, totals);
  const counted = fields ? selectFields(tallied, fields) : tallied;
  if (opts.jq) await writeFiltered(world, counted, opts.jq, progress);
  else if (asJson) await writeJson(world, counted, progress);
  else if (world.stdout.isTTY) await writeTable(world, counted, progress);
  else await writeTabSeparated(world, counted);
  progress.clear();
  listings.remember(listing, totals.lastPage ?? 1);
  const { count, more } = totals;
  const noun = count === 1 ? 'repository' : 'repositories';
  world.info(`${thousands(count)} ${noun}${more ? ` (the first ${thousands(count)}; raise --limit for more)` : ''}`);
  return 0;
}

/** How many repositories were listed, and whether the listing goes on (cut by --limit). */
interface Totals {
  count: number;
  more: boolean;
  /** How many pages the provider said the listing has. */
  lastPage?: number;
}

/** A listing is the account's and the options that change what its pages hold. */
function listingKey(account: string, query: RepoQuery): string {
  const { limit, visibility, affiliation, sort, direction } = query;
  return `${account} ${JSON.stringify({ limit, visibility, affiliation, sort, direction })}`;
}

/** The pages as they come, counted into `totals`, with the progress line kept up to date. */
async function* tally(pages: AsyncIterable<RepoPage>, progress: Progress, totals: Totals): AsyncGenerator<RepoPage> {
  for await (const page of pages) {
    totals.count += page.count;
    totals.more = page.more;
    if (page.lastPage) totals.lastPage = page.lastPage;
    progress.show(totals.count, page.estimatedTotal);
    yield page;
    // The page is written (a table on the same screen cleared the line first): show the line
    // again while the next page comes.
    progress.show(totals.count, page.estimatedTotal);
  }
}

/** The page's items as the provider wrote them, with any control character in a string escaped. */
function pageJson(page: RepoPage): Uint8Array[] {
  const pieces = page.json?.pieces() ?? [];
  return page.json?.mayHoldControls && pieces.length ? [escapeJsonControls(Buffer.concat(pieces))] : pieces;
}

/** `[` + each page's items + `]`, page by page: never the whole listing in one string. */
async function writeJson(world: World, pages: AsyncIterable<RepoPage>, progress: Progress): Promise<void> {
  let opened = false;
  let empty = true;
  for await (const page of pages) {
    // With asJson every page carries the provider's own bytes (summaries are for the table only):
    // the chunks they arrived in, written out as they are, without a copy.
    const items = pageJson(page);
    // `[` waits for the first page: an error before it (401, 404, a rate limit) leaves stdout empty.
    const prefix = opened ? '' : '[';
    opened = true;
    if (items.length > 0) {
      if (world.stdout.isTTY) progress.clear();
      await writeAll(world.stdout, [Buffer.from(`${prefix}${empty ? '' : ','}`), ...items]);
      empty = false;
    } else if (prefix) await writeResult(world, prefix);
    // Handed to the OS: the page's memory is reused for the next one's instead of piling up.
    page.json?.release();
  }
  await writeResult(world, opened ? ']\n' : '[]\n');
}

/** --jq: the whole listing as one array, filtered once (as `gh repo list --jq` does). */
async function writeFiltered(world: World, pages: AsyncIterable<RepoPage>, expr: string, progress: Progress): Promise<void> {
  const parts: string[] = [];
  for await (const page of pages) {
    const json = pageJson(page);
    if (json.length) parts.push(Buffer.concat(json).toString('utf8'));
    page.json?.release();
  }
  // The result may go to the same screen as the progress line: clear it first.
  progress.clear();
  await filterJson(world, `[${parts.join(',')}]`, expr);
}

/**
 * Writes the pieces in order and resolves once the last has been handed to the OS (its write
 * callback), not merely queued: the next page is not taken before this one is out.
 */
function writeAll(stream: NodeJS.WritableStream, pieces: readonly Uint8Array[]): Promise<void> {
  return new Promise((resolve) => {
    // On an error (EPIPE: `| head` closed) program.ts ends the process; nothing to add here.
    pieces.forEach((piece, i) => stream.write(piece, i === pieces.length - 1 ? () => resolve() : undefined));
  });
}

async function writeTable(world: World, pages: AsyncIterable<RepoPage>, progress: Progress): Promise<void> {
  const paint = await paintFor(world, world.stdout);
  // The table's module (string widths, a grapheme segmenter) loads only for a table.
  const { RepoTable } = await import('../terminal/repo-table.js');
  const table = new RepoTable({ paint, width: world.stdout.isTTY ? world.stdout.columns || 80 : undefined });
  for await (const page of pages) {
    if (page.repos?.length) {
      // Same screen as the progress line: clear it, write the rows; the next page redraws it.
      if (world.stdout.isTTY) progress.clear();
      await writeResult(world, table.render(page.repos));
    }
  }
}

/**
 * `--json FIELDS`: each repository with only those fields, in the order asked for. A field the
 * provider's repositories do not have is a usage error naming those they have (as gh's
 * "Unknown JSON field"), found on the first repository.
 */
async function* selectFields(pages: AsyncIterable<RepoPage>, fields: readonly string[]): AsyncGenerator<RepoPage> {
  let checked = false;
  for await (const page of pages) {
    // Control characters arrive escaped (pageJson): JSON.parse reads them.
    const json = pageJson(page);
    const items = json.length ? (JSON.parse(`[${Buffer.concat(json).toString('utf8')}]`) as Array<Record<string, unknown>>) : [];
    if (!checked && items.length) {
      checked = true;
      const unknown = fields.filter((f) => !Object.hasOwn(items[0]!, f));
      if (unknown.length) throw usageError(`unknown --json field${unknown.length > 1 ? 's' : ''} ${unknown.map((f) => `'${f}'`).join(', ')} (the repositories have: ${Object.keys(items[0]!).join(', ')})`, 'bad_json_field');
    }
    page.json?.release();
    yield { ...page, json: JsonItems.of(items.map((item) => JSON.stringify(Object.fromEntries(fields.map((f) => [f, item[f] ?? null]))))) };
  }
}

/**
 * stdout not a terminal, no --json: gh's form for scripts (`gh repo list` piped, pkg/cmd/repo/list
 * in cli/cli): one line a repository, tab-separated OWNER/NAME, description (whitespace runs made
 * one space), visibility with ", fork" and ", archived", the time updated (RFC 3339); no header,
 * nothing cut. Provider text passes the sanitizer: a tab or newline in it cannot add a field or line.
 */
async function writeTabSeparated(world: World, pages: AsyncIterable<RepoPage>): Promise<void> {
  for await (const page of pages) {
    if (!page.repos?.length) continue;
    const lines = page.repos.map((repo) => {
      const info = [repo.visibility.toLowerCase(), repo.fork ? 'fork' : '', repo.archived ? 'archived' : ''].filter(Boolean).join(', ');
      return [repo.name, repo.description ?? '', info, repo.updatedAt ?? ''].map((field) => safeText(field.replace(/\s+/g, ' ').trim())).join('\t');
    });
    await writeResult(world, `${lines.join('\n')}\n`);
  }
}
