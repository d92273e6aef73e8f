// The parameters of `-f`/`-F` on the wire: a JSON body, or a query string (GET, HEAD, and with
// --input). Keys come out sorted, as gh's do (Go's json.Marshal and url.Values.Encode sort map
// keys), so a command line sends the same parameters in the same order with either tool.
import type { FieldMap, FieldValue } from './fields.js';

/** JSON text of the parameters: sorted keys, integers exactly as given (bigint). */
export function fieldsToJson(value: FieldValue): string {
  if (value === null) return 'null';
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'boolean') return String(value);
  // Go's json.Marshal also escapes <, >, & and the two JavaScript line separators: same bytes as gh.
  if (typeof value === 'string') return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  if (Array.isArray(value)) return `[${value.map(fieldsToJson).join(',')}]`;
  const keys = Object.keys(value).sort(byCodeUnits);
  return `{${keys.map((k) => `${fieldsToJson(k)}:${fieldsToJson(value[k]!)}`).join(',')}}`;
}

/**
 * `a=1&b=x+y` for a query string. Nested values use the bracket form servers built on Rails or
 * PHP read (`a[b]=c`, `list[]=x`); null is an empty value. Departs from gh only for nested
 * objects, which gh flattens to their innermost key (`a[b]=c` is sent as `b=c`).
 */
export function fieldsToQuery(params: FieldMap): string {
  const pairs: Array<[string, string]> = [];
  const add = (key: string, value: FieldValue) => {
    if (value === null) pairs.push([key, '']);
    else if (typeof value === 'string') pairs.push([key, value]);
    else if (typeof value === 'bigint' || typeof value === 'boolean') pairs.push([key, String(value)]);
    else if (Array.isArray(value)) for (const item of value) add(`${key}[]`, item);
    else for (const sub of Object.keys(value).sort(byCodeUnits)) add(`${key}[${sub}]`, value[sub]!);
  };
  for (const key of Object.keys(params).sort(byCodeUnits)) add(key, params[key]!);
  // A stable sort by key keeps each key's values in the order given (url.Values.Encode's output).
  pairs.sort((a, b) => byCodeUnits(a[0], b[0]));
  return pairs.map(([k, v]) => `${queryEscape(k)}=${queryEscape(v)}`).join('&');
}

/** `url` with `query` appended (after `?`, or `&` when it has a query already). */
export function withQuery(url: string, query: string): string {
  if (!query) return url;
  return `${url}${url.includes('?') ? '&' : '?'}${query}`;
}

/** Go's url.QueryEscape: everything but A–Z a–z 0–9 - _ . ~ is %XX; a space is '+'. */
export function queryEscape(text: string): string {
  return encodeURIComponent(text)
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%20/g, '+');
}

/** Go sorts strings by bytes; for UTF-16 strings, comparing code units is the same order save for astral characters, which no key needs. */
function byCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
