// How gh prints a --jq result (cli/cli pkg/jq, gh 2.23 as Debian ships it), so that scripts
// written for `gh … --jq` read oauthcli's output unchanged. jq runs with -c (one compact JSON
// text per result, one per line) and each line is rewritten as gh writes that value:
// - a string: raw, as `jq -r` (a string holding newlines spans several lines, as in gh);
// - null: an empty line; true/false: as they are;
// - a number: a whole number in full (12345678901234567168 for 2^64-ish doubles, as Go's
//   FormatFloat 'f' 0), any other with two decimals (1/3 → 0.33, half to even: 0.125 → 0.12);
// - an object or array: compact JSON as Go's encoding/json writes it: keys sorted by code
//   point, `<`, `>`, `&`, U+2028 and U+2029 escaped as \u003c…, \b and \f as \u0008 and \u000c,
//   numbers as Go writes a float64 (the same text as JavaScript's String(number)).
// gh also rewrites control characters inside JSON strings to caret notation (^A) before jq
// sees them; oauthcli keeps them as they are in a pipe and shows them harmlessly on a terminal.

/** jq -c's output (one JSON text per line) as gh prints those results. */
export function ghJqOutput(compact: string): string {
  if (compact === '') return '';
  const lines = compact.endsWith('\n') ? compact.slice(0, -1).split('\n') : compact.split('\n');
  let out = '';
  for (const line of lines) out += `${ghJqResult(line)}\n`;
  return out;
}

/** One result (a compact JSON text) as gh prints it, without the newline. */
export function ghJqResult(json: string): string {
  const first = json.charCodeAt(0);
  // A plain string or a whole number needs no parse beyond JSON.parse's.
  const value: unknown = JSON.parse(json);
  if (first === 0x22 /* " */) return value as string;
  return scalarText(value) ?? goJson(value);
}

/** gh's jsonScalarToString; undefined for objects and arrays. */
function scalarText(value: unknown): string | undefined {
  if (value === null) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean') return String(value);
  if (typeof value === 'number') return Number.isInteger(value) ? BigInt(value).toString() : twoDecimals(value);
  return undefined;
}

/** Go's strconv.FormatFloat(x, 'f', 2, 64): correctly rounded, a tie to even (JavaScript's toFixed rounds a tie up). */
function twoDecimals(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  const fixed = x.toFixed(2);
  // A tie needs an exact third decimal of 5: x·8 whole but x·4 not (0.125, 0.375, 0.625, 0.875).
  if (Number.isInteger(x * 8) && !Number.isInteger(x * 4)) {
    const sign = x < 0 ? -1 : 1;
    const cents = Math.floor(Math.abs(x) * 100); // the lower neighbour, in hundredths
    const even = cents % 2 === 0 ? cents : cents + 1;
    const text = (even / 100).toFixed(2);
    return sign < 0 ? `-${text}` : text;
  }
  return fixed;
}

/** encoding/json's Marshal of a decoded value. */
function goJson(value: unknown): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
      return goString(value);
    case 'number':
      return Number.isFinite(value) ? String(value) : 'null';
    case 'boolean':
      return String(value);
    default:
      break;
  }
  if (Array.isArray(value)) return `[${value.map(goJson).join(',')}]`;
  const object = value as Record<string, unknown>;
  const keys = Object.keys(object).sort(byCodePoint);
  return `{${keys.map((k) => `${goString(k)}:${goJson(object[k])}`).join(',')}}`;
}

const GO_ESCAPES: Record<string, string> = { '<': '\\u003c', '>': '\\u003e', '&': '\\u0026', '\u2028': '\\u2028', '\u2029': '\\u2029' };

function goString(s: string): string {
  const json = JSON.stringify(s);
  if (!/[<>&\u2028\u2029\b\f]/.test(s)) return json;
  // JSON.stringify's escapes come in pairs (\\, \b, …): step over each so `\\b` stays as it is.
  return json.replace(/\\(.)|[<>&\u2028\u2029]/g, (match, escaped: string | undefined) => {
    if (escaped === undefined) return GO_ESCAPES[match]!;
    if (escaped === 'b') return '\\u0008';
    if (escaped === 'f') return '\\u000c';
    return match;
  });
}

/** Go compares map keys as UTF-8 bytes, which is code point order (UTF-16 units put U+FFFF after 😀). */
export function byCodePoint(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    const xs = x >= 0xd800 && x <= 0xdfff;
    const ys = y >= 0xd800 && y <= 0xdfff;
    if (xs !== ys) return xs ? 1 : -1;
    return x - y;
  }
  return a.length - b.length;
}
