// `oauthcli api -f key=value -F key=value`: the parameters of a request, parsed as gh's
// pkg/cmd/api/fields.go parses them, so scripts written for `gh api` mean the same here:
// - `-f` values are strings; `-F` values are typed: true, false, null, integers (Go's
//   strconv.Atoi: an optional sign, decimal digits, within int64) become JSON types, and `@file`
//   reads a file (`@-` stdin);
// - `a[b]=c` nests, `a[]=x` appends to an array, `a[]` alone is an empty array, and
//   `a[][k]=v` fills the array's last object until it already has `k` (gh's rule, which lets
//   `-F 'p[][name]=x' -F 'p[][value]=y'` build one object);
// - every `-f` comes before every `-F` (commander, like cobra, collects each flag apart).
// gh's `{owner}`, `{repo}` and `{branch}` placeholders are not filled: oauthcli knows no
// "current repository". Integers are kept as bigint so a 64-bit id survives exactly.
import { usageError } from '../errors.js';

export type FieldValue = string | bigint | boolean | null | FieldValue[] | FieldMap;
export interface FieldMap {
  [key: string]: FieldValue;
}

export interface FieldSources {
  /** `-f key=value`: strings. */
  raw: string[];
  /** `-F key=value`: typed. */
  typed: string[];
  /** Reads `@file` (`-` is stdin); may throw, which becomes a usage error naming the field. */
  readFile(path: string): string;
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** The parameters of `-f` and `-F`, or a usage error (exit 2) for a malformed one. */
export function parseFields(sources: FieldSources): FieldMap {
  // No prototype: a key called `__proto__` or `constructor` is just a key.
  const params: FieldMap = Object.create(null) as FieldMap;
  for (const field of sources.raw) addField(params, field, (v) => v);
  for (const field of sources.typed) addField(params, field, (v, key) => typedValue(v, key, sources.readFile));
  return params;
}

/** gh's magic conversion of a `-F` value. */
export function typedValue(value: string, key: string, readFile: (path: string) => string): FieldValue {
  if (value.startsWith('@')) {
    const path = value.slice(1);
    try {
      return readFile(path);
    } catch (error) {
      const why = error instanceof Error ? ((error as NodeJS.ErrnoException).code ?? error.message) : String(error);
      throw usageError(`-F ${key}: cannot read ${path === '-' ? 'stdin' : `'${path}'`} (${why})`, 'bad_field');
    }
  }
  if (/^[+-]?\d+$/.test(value)) {
    const n = BigInt(value);
    if (n >= INT64_MIN && n <= INT64_MAX) return n;
  }
  if (value === 'true') return true;
  if (value === 'false') return false;
  if (value === 'null') return null;
  return value;
}

/** `a[b][]` → ['a', 'b', ''] ('' marks an array); undefined when the key is malformed. */
export function splitKey(key: string): string[] | undefined {
  const m = /^([^[\]]+)((?:\[[^[\]]*\])*)$/.exec(key);
  if (!m) return undefined;
  const parts = [m[1]!];
  for (const sub of m[2]!.matchAll(/\[([^[\]]*)\]/g)) parts.push(sub[1]!);
  return parts;
}

function addField(params: FieldMap, field: string, convert: (value: string, key: string) => FieldValue): void {
  const eq = field.indexOf('=');
  const key = eq === -1 ? field : field.slice(0, eq);
  const path = splitKey(key);
  if (!path) throw usageError(`invalid field '${field}': a key is NAME, NAME[KEY] or NAME[] (then =VALUE)`, 'bad_field');
  if (eq === -1 && path.at(-1) !== '') throw usageError(`field '${field}' needs a value: ${key}=VALUE`, 'bad_field');
  const value = eq === -1 ? undefined : convert(field.slice(eq + 1), key);
  place(params, path, value, key);
}

/** Puts `value` (undefined: `a[]` alone, an empty array) where `path` says, as gh's parseFields does. */
function place(params: FieldMap, path: string[], value: FieldValue | undefined, key: string): void {
  const conflict = (what: string, name: string): never => {
    throw usageError(`field '${key}': ${what} '${name}'`, 'bad_field');
  };
  let dest = params;
  let isArray = false;
  let name: string | undefined;
  for (const part of path) {
    if (part === '') {
      isArray = true;
      continue;
    }
    if (name !== undefined) {
      dest = isArray ? objectInArray(dest, name, part, conflict) : objectUnder(dest, name, conflict);
      isArray = false;
    }
    name = part;
  }
  if (name === undefined) return conflict('no name in', key);
  if (isArray) {
    const existing = Object.hasOwn(dest, name) ? dest[name] : undefined;
    if (existing !== undefined && !Array.isArray(existing)) conflict('expected an array under', name);
    const list = (existing as FieldValue[] | undefined) ?? [];
    if (value !== undefined) list.push(value);
    dest[name] = list;
    return;
  }
  if (Object.hasOwn(dest, name)) conflict('would override the field already given for', name);
  dest[name] = value as FieldValue;
}

function isMap(v: FieldValue | undefined): v is FieldMap {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function objectUnder(dest: FieldMap, name: string, conflict: (what: string, name: string) => never): FieldMap {
  if (!Object.hasOwn(dest, name)) return (dest[name] = Object.create(null) as FieldMap);
  const existing = dest[name];
  return isMap(existing) ? existing : conflict('expected an object under', name);
}

/** `name[][next]`: the array's last object while it has no `next` yet (or `next` is an array), else a new one. */
function objectInArray(dest: FieldMap, name: string, next: string, conflict: (what: string, name: string) => never): FieldMap {
  const existing = Object.hasOwn(dest, name) ? dest[name] : undefined;
  if (existing !== undefined && !Array.isArray(existing)) return conflict('expected an array under', name);
  const list = (existing as FieldValue[] | undefined) ?? (dest[name] = []);
  const last = list.at(-1);
  if (isMap(last) && (!Object.hasOwn(last, next) || Array.isArray(last[next]))) return last;
  const fresh = Object.create(null) as FieldMap;
  list.push(fresh);
  return fresh;
}

export function isEmpty(params: FieldMap): boolean {
  return Object.keys(params).length === 0;
}
