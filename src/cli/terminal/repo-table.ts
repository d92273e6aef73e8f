// The repository table for people. Rows stream out page by page, so the column widths are fixed
// from the first page (a later, longer value is cut with "…" on a terminal, and overflows in a
// pipe). On a terminal the description keeps a share of the width, as gh's does: the other
// columns give way first (cut with "…"), and it goes only when the terminal is very narrow.
// Text from the provider passes the one sanitizer: a description must not drive the terminal.
import stringWidth from 'string-width';
import type { RepoSummary } from '../../providers/types.js';
import { timeAgo } from '../../duration.js';
import { type Paint } from './paint.js';
import { safeText } from './safe-text.js';

export interface RepoTableOptions {
  paint: Paint;
  /** The terminal's width; undefined when stdout is not a terminal (then nothing is cut). */
  width: number | undefined;
  now?: number;
}

interface Widths {
  name: number;
  visibility: number;
  language: number;
  stars: number;
  updated: number;
}

/** Narrower than this, a description says too little to be worth its column. */
const MIN_DESCRIPTION = 16;

const HEADERS: Cells = { name: 'NAME', visibility: 'VISIBILITY', language: 'LANGUAGE', stars: 'STARS', updated: 'UPDATED', description: 'DESCRIPTION' };
const GAP = '  ';

/** On a narrow terminal these columns go, in this order, until a row fits (NAME always stays). */
const DROP_ORDER = ['language', 'stars', 'updated', 'visibility'] as const;

export class RepoTable {
  private widths: Widths | undefined;
  private readonly hidden = new Set<keyof Widths>();

  constructor(private readonly options: RepoTableOptions) {}

  /** The header and rows of one page (the first page also fixes the column widths). */
  render(repos: RepoSummary[]): string {
    let out = '';
    if (!this.widths) {
      this.widths = this.measure(repos);
      out += this.line(HEADERS, true);
    }
    for (const repo of repos) out += this.line(cells(repo, this.options.now ?? Date.now()), false);
    return out;
  }

  private measure(repos: RepoSummary[]): Widths {
    const now = this.options.now ?? Date.now();
    const rows = repos.map((r) => cells(r, now));
    const widest = (key: keyof Widths | 'description', min: number, max: number) =>
      Math.min(max, Math.max(min, ...rows.map((c) => displayWidth(c[key]))));
    const terminal = this.options.width;
    const natural: Widths = {
      name: widest('name', HEADERS.name.length, Number.POSITIVE_INFINITY),
      visibility: widest('visibility', HEADERS.visibility.length, 24),
      language: widest('language', HEADERS.language.length, 16),
      stars: widest('stars', HEADERS.stars.length, 9),
      updated: widest('updated', HEADERS.updated.length, 20),
    };
    if (terminal === undefined) return natural;
    // On a terminal: room for the description first (up to what it needs, at most a third of the
    // width), then the other columns give way, down to these floors.
    const wanted = Math.min(widest('description', 0, Number.POSITIVE_INFINITY), Math.max(MIN_DESCRIPTION, Math.floor(terminal / 3)));
    // OWNER/NAME is what tells rows apart: it keeps up to a third of the width before the description's share goes.
    const floors: Widths = { name: Math.min(natural.name, Math.max(12, Math.floor(terminal * 0.35))), visibility: 10, language: HEADERS.language.length, stars: HEADERS.stars.length, updated: HEADERS.updated.length + 4 };
    const widths = { ...natural, name: Math.min(natural.name, Math.max(floors.name, Math.floor(terminal * 0.4))) };
    const fixed = () => widths.name + widths.visibility + widths.language + widths.stars + widths.updated + GAP.length * 5;
    for (const key of ['visibility', 'language', 'updated', 'name'] as const) {
      const over = fixed() + wanted - terminal;
      if (over <= 0) break;
      widths[key] = Math.max(floors[key], widths[key] - over);
    }
    // Still too wide (a terminal of 40-60 columns): whole columns go rather than rows wrapping.
    const shown = () => (Object.keys(widths) as Array<keyof Widths>).filter((k) => !this.hidden.has(k)).reduce((sum, k) => sum + widths[k] + GAP.length, 0);
    for (const key of DROP_ORDER) {
      if (shown() <= terminal) break;
      this.hidden.add(key);
    }
    const rest = terminal - (shown() - widths.name);
    widths.name = this.hidden.size ? Math.max(HEADERS.name.length, Math.min(natural.name, rest)) : Math.min(widths.name, Math.max(HEADERS.name.length, rest));
    return widths;
  }

  private line(c: Cells, header: boolean): string {
    const w = this.widths!;
    const { paint } = this.options;
    const terminal = this.options.width;
    const style = (s: string, f: (x: string) => string) => (header ? paint.bold(s) : f(s));
    // Only a terminal's width is worth cutting values for; in a pipe a long value overflows.
    const cut = (s: string, n: number) => (terminal === undefined ? s : fit(s, n));
    const plainText = (s: string) => s;
    const columns: Array<[keyof Widths, string]> = [
      ['name', style(pad(cut(c.name, w.name), w.name), paint.bold)],
      ['visibility', style(pad(cut(c.visibility, w.visibility), w.visibility), c.visibility.startsWith('private') ? paint.yellow : plainText)],
      ['language', style(pad(cut(c.language, w.language), w.language), plainText)],
      ['stars', style(padStart(cut(c.stars, w.stars), w.stars), plainText)],
      ['updated', style(pad(cut(c.updated, w.updated), w.updated), paint.dim)],
    ];
    const visible = columns.filter(([key]) => !this.hidden.has(key));
    const fixed = visible.map(([, text]) => text);
    const used = visible.reduce((sum, [key]) => sum + w[key] + GAP.length, 0);
    let description = c.description;
    if (terminal !== undefined) {
      const room = terminal - used;
      description = room >= MIN_DESCRIPTION ? fit(description, room) : '';
    }
    const tail = description ? `${GAP}${header ? paint.bold(description) : description}` : '';
    return `${fixed.join(GAP)}${tail}`.trimEnd() + '\n';
  }
}

interface Cells {
  name: string;
  visibility: string;
  language: string;
  stars: string;
  updated: string;
  description: string;
}

function cells(repo: RepoSummary, now: number): Cells {
  const flags = [repo.fork ? 'fork' : '', repo.archived ? 'archived' : ''].filter(Boolean);
  return {
    name: safeText(repo.name),
    visibility: safeText([repo.visibility, ...flags].join(', ')),
    language: safeText(repo.language ?? ''),
    stars: repo.stars === null ? '' : String(repo.stars),
    updated: repo.updatedAt ? timeAgo(repo.updatedAt, now) : '',
    description: safeText(repo.description ?? ''),
  };
}

/** Made when first needed: an ICU segmenter costs milliseconds to create. */
let graphemes: Intl.Segmenter | undefined;

/** Terminal cells taken by `text`: wide (CJK, emoji) characters count 2, combining marks 0. */
export function displayWidth(text: string): number {
  return stringWidth(text);
}

/** `text` cut to `width` cells, ending in "…" when cut. */
export function fit(text: string, width: number): string {
  if (displayWidth(text) <= width) return text;
  if (width <= 0) return '';
  let out = '';
  let used = 0;
  graphemes ??= new Intl.Segmenter(undefined, { granularity: 'grapheme' });
  for (const { segment: ch } of graphemes.segment(text)) {
    const w = stringWidth(ch);
    if (used + w > width - 1) break;
    out += ch;
    used += w;
  }
  return `${out}…`;
}

function pad(text: string, width: number): string {
  return text + ' '.repeat(Math.max(0, width - displayWidth(text)));
}

function padStart(text: string, width: number): string {
  return ' '.repeat(Math.max(0, width - displayWidth(text))) + text;
}
