// JSON for a person at a terminal, laid out and coloured as gh's pkg/jsoncolor does (two-space
// indent; keys bright blue, strings green, booleans yellow, null cyan, punctuation bright white,
// numbers plain). Every string passes safeJson, so a provider's text never drives the terminal;
// numbers are printed exactly as the provider wrote them (a 64-bit id is not rounded).
import { safeJson } from '../terminal/safe-text.js';

const INDENT = '  ';
const COLORS = { delim: '1;38', key: '1;34', null: '36', string: '32', bool: '33' } as const;

type RawJson = { rawJSON: string };
const json = JSON as typeof JSON & { rawJSON(text: string): RawJson; isRawJSON(value: unknown): value is RawJson };

/** Parses JSON keeping each number's own text (JSON.rawJSON); undefined when `text` is not JSON. */
export function parseExact(text: string): { value: unknown } | undefined {
  try {
    const reviver = (_key: string, value: unknown, context?: { source?: string }) => (typeof value === 'number' && context?.source !== undefined ? json.rawJSON(context.source) : value);
    return { value: JSON.parse(text, reviver as (key: string, value: unknown) => unknown) };
  } catch {
    return undefined;
  }
}

/** `value` (from parseExact) as indented text, coloured when `color`, at `depth` levels in; no trailing newline. */
export function prettyJson(value: unknown, color: boolean, depth = 0): string {
  const paint = (code: string, text: string) => (color ? `\u001b[${code}m${text}\u001b[m` : text);
  const out: string[] = [];
  const walk = (v: unknown, level: number): void => {
    if (v === null) {
      out.push(paint(COLORS.null, 'null'));
    } else if (json.isRawJSON(v)) {
      out.push(v.rawJSON);
    } else if (typeof v === 'string') {
      out.push(paint(COLORS.string, safeJson(v)));
    } else if (typeof v === 'boolean') {
      out.push(paint(COLORS.bool, String(v)));
    } else if (typeof v === 'number') {
      out.push(JSON.stringify(v));
    } else if (Array.isArray(v)) {
      container('[', ']', v.map((item) => [undefined, item] as const), level);
    } else if (typeof v === 'object') {
      container('{', '}', Object.entries(v as Record<string, unknown>), level);
    }
  };
  const container = (open: string, close: string, entries: ReadonlyArray<readonly [string | undefined, unknown]>, level: number) => {
    out.push(paint(COLORS.delim, open));
    if (entries.length === 0) {
      out.push(paint(COLORS.delim, close));
      return;
    }
    entries.forEach(([key, item], i) => {
      out.push(i === 0 ? `\n${INDENT.repeat(level + 1)}` : `${paint(COLORS.delim, ',')}\n${INDENT.repeat(level + 1)}`);
      if (key !== undefined) out.push(`${paint(COLORS.key, safeJson(key))}${paint(COLORS.delim, ':')} `);
      walk(item, level + 1);
    });
    out.push(`\n${INDENT.repeat(level)}${paint(COLORS.delim, close)}`);
  };
  walk(value, depth);
  return out.join('');
}

/** The punctuation of a document assembled from pieces (a merged paginated array), in the same colours. */
export function prettyDelim(text: string, color: boolean): string {
  return color ? `\u001b[${COLORS.delim}m${text}\u001b[m` : text;
}
