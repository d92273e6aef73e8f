// `oauthcli api -f/-F`: the parser (src/api/fields.ts) and the encoders (src/api/encode.ts), held
// to what gh's pkg/cmd/api/fields.go and http.go produce for the same flags (Go's expected
// bytes are written out below: sorted keys, HTML-escaped JSON, url.Values.Encode's escaping).
import { describe, expect, it } from 'vitest';
import { fieldsToJson, fieldsToQuery, queryEscape, withQuery } from '../../src/api/encode.js';
import { parseFields, splitKey, typedValue, type FieldMap } from '../../src/api/fields.js';
import { AppError } from '../../src/errors.js';

const noFiles = (path: string): string => {
  throw Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' });
};
const parse = (raw: string[], typed: string[] = [], readFile = noFiles) => parseFields({ raw, typed, readFile });
const usage = (fn: () => unknown): AppError => {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).kind).toBe('usage');
    return error as AppError;
  }
  throw new Error('expected a usage error');
};
/** A plain object copy (the parser's maps have no prototype) for toEqual. */
const plain = (m: FieldMap) => JSON.parse(fieldsToJson(m)) as unknown;

describe('-F typing (gh magicFieldValue)', () => {
  it.each([
    ['true', true],
    ['false', false],
    ['null', null],
    ['42', 42n],
    ['-7', -7n],
    ['+5', 5n],
    ['007', 7n],
    ['9223372036854775807', 9223372036854775807n],
    // Beyond int64 (strconv.Atoi fails): a string, as gh sends it.
    ['9223372036854775808', '9223372036854775808'],
    ['1.5', '1.5'],
    ['1e3', '1e3'],
    ['0x10', '0x10'],
    ['True', 'True'],
    ['', ''],
    ['hello world', 'hello world'],
  ])('%s → %s', (input, expected) => {
    expect(typedValue(input, 'k', noFiles)).toEqual(expected);
  });

  it('@file reads the file (as is, newlines kept); @- is stdin through the same reader', () => {
    const files: Record<string, string> = { 'body.md': 'line 1\nline 2\n', '-': 'from stdin' };
    const params = parse([], ['body=@body.md', 'note=@-'], (p) => files[p] ?? noFiles(p));
    expect(plain(params)).toEqual({ body: 'line 1\nline 2\n', note: 'from stdin' });
  });

  it('a file that cannot be read is a usage error naming the field', () => {
    expect(usage(() => parse([], ['body=@missing.md'])).message).toMatch(/-F body: cannot read 'missing\.md' \(ENOENT\)/);
  });

  it('-f never types its value: true, 42 and @file stay strings', () => {
    expect(plain(parse(['a=true', 'b=42', 'c=@file', 'd=null']))).toEqual({ a: 'true', b: '42', c: '@file', d: 'null' });
  });
});

describe('keys: nesting and arrays (gh parseFields)', () => {
  it('splits keys', () => {
    expect(splitKey('a')).toEqual(['a']);
    expect(splitKey('a[b][c]')).toEqual(['a', 'b', 'c']);
    expect(splitKey('a[]')).toEqual(['a', '']);
    expect(splitKey('a[][b]')).toEqual(['a', '', 'b']);
    for (const bad of ['', '[a]', 'a[b', 'a]b', 'a[b]c', 'a[[b]]']) expect(splitKey(bad)).toBeUndefined();
  });

  it('nests objects, appends to arrays, and a bare key[] is an empty array', () => {
    const params = parse(['title=Hi', 'labels[]=bug', 'labels[]=ui', 'meta[owner][login]=octocat'], ['meta[owner][id]=1', 'empty[]', 'flags[]=true']);
    expect(plain(params)).toEqual({ title: 'Hi', labels: ['bug', 'ui'], meta: { owner: { login: 'octocat', id: 1 } }, empty: [], flags: [true] });
  });

  it("fills an array's last object until it has the key (gh's example: properties[][…])", () => {
    const params = parse(
      [],
      [
        'properties[][property_name]=environment',
        'properties[][default_value]=production',
        'properties[][allowed_values][]=staging',
        'properties[][allowed_values][]=production',
        'properties[][property_name]=team',
      ],
    );
    expect(plain(params)).toEqual({
      properties: [
        { property_name: 'environment', default_value: 'production', allowed_values: ['staging', 'production'] },
        { property_name: 'team' },
      ],
    });
  });

  it('the value is everything after the first =', () => {
    expect(plain(parse(['q=a=b=c', 'e=']))).toEqual({ q: 'a=b=c', e: '' });
  });

  it('keys such as __proto__ are plain keys', () => {
    const params = parse(['__proto__=x', 'constructor[a]=y']);
    expect(Object.keys(params)).toEqual(['__proto__', 'constructor']);
    expect(fieldsToJson(params)).toBe('{"__proto__":"x","constructor":{"a":"y"}}');
    expect(({} as Record<string, unknown>).a).toBeUndefined();
  });

  it.each([
    [['novalue'], /field 'novalue' needs a value/],
    [['a[b]'], /needs a value/],
    [['=x'], /invalid field '=x'/],
    [['a[b=c'], /invalid field/],
    [['a=1', 'a=2'], /would override the field already given for 'a'/],
    [['a=1', 'a[b]=2'], /expected an object under 'a'/],
    [['a=1', 'a[]=2'], /expected an array under 'a'/],
  ])('%j is a usage error', (raw, message) => {
    expect(usage(() => parse(raw)).message).toMatch(message);
  });
});

describe('on the wire, as gh sends it', () => {
  it('JSON: sorted keys, integers exact, <>& escaped as Go escapes them', () => {
    const params = parse(['b=<a&b>', 'a=1'], ['z=null', 'n=9223372036854775807', 'm[y]=true', 'm[x]=-1']);
    expect(fieldsToJson(params)).toBe('{"a":"1","b":"\\u003ca\\u0026b\\u003e","m":{"x":-1,"y":true},"n":9223372036854775807,"z":null}');
  });

  it("query: sorted keys, Go's url.QueryEscape, null as an empty value", () => {
    const params = parse(['q=a b+c/d~e*f', 'b=2', 'a=1'], ['t=true', 'z=null', 'n=3']);
    expect(fieldsToQuery(params)).toBe('a=1&b=2&n=3&q=a+b%2Bc%2Fd~e%2Af&t=true&z=');
  });

  it('query: arrays as key[]=v in order; nested objects as a[b]=c (gh would send b=c)', () => {
    const params = parse(['labels[]=x', 'labels[]=y', 'filter[state]=open']);
    expect(fieldsToQuery(params)).toBe('filter%5Bstate%5D=open&labels%5B%5D=x&labels%5B%5D=y');
  });

  it('escapes as Go does', () => {
    expect(queryEscape("!'()*~-_. é")).toBe('%21%27%28%29%2A~-_.+%C3%A9');
    expect(withQuery('https://x/a', '')).toBe('https://x/a');
    expect(withQuery('https://x/a', 'b=1')).toBe('https://x/a?b=1');
    expect(withQuery('https://x/a?c=2', 'b=1')).toBe('https://x/a?c=2&b=1');
  });
});
