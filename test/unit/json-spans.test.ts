// The JSON array scanner (WebAssembly: src/http/json-spans.as.ts) finds each item where
// JSON.parse sees it, whatever the chunks, and refuses what is not one array.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonArrayChunkSpans, jsonArraySpans, sliceChunks } from '../../src/http/json-spans.js';
import { compiledModuleFile, OUTPUT } from '../../scripts/build-wasm.mjs';
import { startFakeGitHub, type FakeGitHub } from '../support/github-server.js';

let server: FakeGitHub;
let token: string;

beforeAll(async () => {
  server = await startFakeGitHub();
  token = server.issueToken('octocat').access_token;
});
afterAll(async () => {
  await server.close();
});

/** A body cut into chunks of `size` bytes. */
function itemsCut(body: Buffer, size: number): Buffer[] {
  const chunks: Buffer[] = [];
  for (let i = 0; i < body.length; i += size) chunks.push(body.subarray(i, i + size));
  return chunks;
}

/** The items' text by the scanner, for a body cut into chunks of `size` bytes. */
function itemsInChunks(body: Buffer, size: number): string[] {
  const chunks = itemsCut(body, size);
  return jsonArrayChunkSpans(chunks).map(([a, b]) => Buffer.concat(sliceChunks(chunks, a, b)).toString('utf8'));
}

/** A small deterministic generator (the same cases on every run). */
function random(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
}

describe('jsonArraySpans', () => {
  const items = (text: string) => {
    const body = Buffer.from(text);
    return jsonArraySpans(body).map(([a, b]) => body.toString('utf8', a, b));
  };

  it('finds each item of a real page exactly where JSON.parse sees it', async () => {
    server.setRepos('octocat', 100);
    const res = await fetch(`${server.url}/api/v3/user/repos?per_page=100`, { headers: { authorization: `Bearer ${token}` } });
    const text = await res.text();
    const parsed = JSON.parse(text) as unknown[];
    expect(items(text).map((t) => JSON.parse(t) as unknown)).toEqual(parsed);
  });

  it('handles strings with brackets, quotes and backslashes, nesting, literals and spacing', () => {
    const obj = JSON.stringify({ a: ']}\\', b: [1, { c: '\\"{[' }], d: '' });
    const str = JSON.stringify('x\\"y]');
    const text = ` [ ${obj} ,\n${str}, 12.5e3 ,true,null,[[]],{}]\n`;
    expect(items(text)).toEqual([obj, str, '12.5e3', 'true', 'null', '[[]]', '{}']);
    expect(items(text).map((t) => JSON.parse(t) as unknown)).toEqual(JSON.parse(text));
    expect(items('[{"d":"é ✓ 😀 \\"]"},"ü"]')).toEqual(['{"d":"é ✓ 😀 \\"]"}', '"ü"']);
    expect(items('[]')).toEqual([]);
    expect(items(' [ ] ')).toEqual([]);
  });

  it.each([
    ['', /start with/],
    ['{"a":1}', /start with/],
    ['<html>[</html>', /start with/],
    ['[{"a":1}', /separated|ends inside/],
    ['[{"a":"1}]', /not closed|ends inside/],
    ['[{"a":1]]', /do not match/],
    ['[{"a":1} {"b":2}]', /separated by commas/],
    ['[{"a":1},]', /empty item/],
    ['[,{"a":1}]', /empty item/],
    ['[{"a":1}] x', /after the array/],
    ['[tr"ue]', /malformed literal/],
  ])('refuses %j', (text, why) => {
    expect(() => jsonArraySpans(Buffer.from(text))).toThrow(why);
  });
});

describe('jsonArrayChunkSpans (a body in the chunks it arrived in)', () => {
  it('finds the same items wherever the chunks are cut, inside strings, escapes and literals included', () => {
    const obj = JSON.stringify({ a: ']}\\', b: [1, { c: '\\"{[' }], d: 'é ✓ 😀' });
    const text = ` [ ${obj} ,\n"x\\"y]", 12.5e3 ,true,null,[[]],{}]\n`;
    const body = Buffer.from(text);
    const whole = jsonArraySpans(body);
    for (const size of [1, 2, 3, 7, 16, 64]) {
      const chunks: Buffer[] = [];
      for (let i = 0; i < body.length; i += size) chunks.push(body.subarray(i, i + size));
      const spans = jsonArrayChunkSpans(chunks);
      expect(spans).toEqual(whole);
      expect(spans.map(([a, b]) => Buffer.concat(sliceChunks(chunks, a, b)).toString())).toEqual(whole.map(([a, b]) => body.toString('utf8', a, b)));
    }
  });

  it('flags strings that hold characters a terminal would obey, across a cut too', () => {
    const raw = Buffer.from('[{"d":"a\u001b[2Jb"},{"d":"plain"}]');
    expect(jsonArrayChunkSpans([raw.subarray(0, 9), raw.subarray(9)]).controls).toBe(true);
    expect(jsonArrayChunkSpans([Buffer.from('[{"d":"plain"}]')]).controls).toBeUndefined();
    expect(jsonArrayChunkSpans([Buffer.from('[{"d":"\u009b"}]')]).controls).toBe(true);
  });
});
describe('the scanner at its edges', () => {
  it('is the module its source compiles to (npm run build:wasm)', async () => {
    expect(readFileSync(OUTPUT, 'utf8')).toBe(await compiledModuleFile());
  }, 60_000);

  it('sees a quote, a backslash or a control byte at every position of a 16-byte block, across every cut', () => {
    const specials = ['"', '\\', '\u001b', 'é', '\u2028', '✓', '\u0000'];
    for (let at = 0; at < 40; at++) {
      for (const special of specials) {
        const value = `${'a'.repeat(at)}${special}${'b'.repeat(37 - (at % 37))}`;
        const text = JSON.stringify([{ v: value, w: [value, 1] }, value, { x: value }]);
        const body = Buffer.from(text);
        const expected = (JSON.parse(text) as unknown[]).map((item) => JSON.stringify(item));
        for (const size of [1, 15, 16, 17, 64, body.length]) expect(itemsInChunks(body, size)).toEqual(expected);
      }
    }
  });

  it('flags a character a terminal would obey at every position of a 16-byte block, and nothing in plain text', () => {
    // Raw, as a hostile server would send them: ESC, DEL, CSI (C1), RIGHT-TO-LEFT OVERRIDE, BOM.
    for (const raw of ['\u001b', '\u007f', '\u009b', '\u202e', '\ufeff']) {
      for (let at = 0; at < 40; at++) {
        const body = Buffer.from(`[{"v":"${'a'.repeat(at)}${raw}${'b'.repeat(40 - at)}"}]`);
        for (const size of [16, 17, body.length]) expect(jsonArrayChunkSpans(itemsCut(body, size)).controls, `${JSON.stringify(raw)} at ${at}`).toBe(true);
      }
    }
    const plain = Buffer.from(JSON.stringify([{ v: 'é ü 😀 ' + 'x'.repeat(100) + ' \u001b escaped is text' }]));
    expect(jsonArraySpans(plain).controls).toBeUndefined();
  });

  it('finds the items JSON.parse finds in 300 random arrays, cut at random', () => {
    const next = random(20261202);
    const pick = <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)]!;
    const text = (): string => {
      const parts = ['a', 'Z', ' ', '"', '\\', '/', '{', '}', '[', ']', ',', ':', 'é', '😀', '\u001b', '\n', 'https://api.github.com/repos/'];
      return Array.from({ length: Math.floor(next() * 60) }, () => pick(parts)).join('');
    };
    const value = (depth: number): unknown => {
      const kind = Math.floor(next() * (depth > 3 ? 4 : 6));
      if (kind === 0) return text();
      if (kind === 1) return Math.floor(next() * 1e6) / 100;
      if (kind === 2) return pick([true, false, null]);
      if (kind === 3) return text();
      if (kind === 4) return Array.from({ length: Math.floor(next() * 4) }, () => value(depth + 1));
      return Object.fromEntries(Array.from({ length: Math.floor(next() * 5) }, () => [text(), value(depth + 1)]));
    };
    for (let n = 0; n < 300; n++) {
      const items = Array.from({ length: Math.floor(next() * 8) }, () => value(0));
      const body = Buffer.from(JSON.stringify(items, null, n % 3 === 0 ? 1 : undefined));
      const expected = (JSON.parse(body.toString()) as unknown[]).map((item) => JSON.stringify(item));
      const size = 1 + Math.floor(next() * 90);
      expect(itemsInChunks(body, size).map((item) => JSON.stringify(JSON.parse(item)))).toEqual(expected);
    }
  });

  it('takes nesting deeper than its first stack (64 K brackets), and still matches them', () => {
    const depth = 200_000;
    const body = Buffer.from(`[${'['.repeat(depth)}${']'.repeat(depth)},{"a":[{}]}]`);
    expect(jsonArraySpans(body)).toEqual([
      [1, 1 + 2 * depth],
      [2 + 2 * depth, body.length - 1],
    ]);
    expect(() => jsonArraySpans(Buffer.from(`[${'['.repeat(depth)}${']'.repeat(depth - 1)}}]`))).toThrow(/do not match/);
    // A body after a deep one starts from a clean state.
    expect(jsonArraySpans(Buffer.from('[1,2]'))).toEqual([
      [1, 2],
      [3, 4],
    ]);
  });

  it('hands over every item of a piece that holds more items than any page would (1 byte each)', () => {
    const count = 300_000;
    const body = Buffer.from(`[${Array(count).fill('1').join(',')}]`);
    const spans = jsonArraySpans(body);
    expect(spans.length).toBe(count);
    expect(spans.at(-1)).toEqual([body.length - 2, body.length - 1]);
  });

  it('reads a chunk larger than the scanner takes at once (64 KB) with an escape, a quote and a control byte at the cut', () => {
    for (const at of [65534, 65535, 65536, 65537]) {
      for (const special of ['\\"', '\\\\', '"', '\u001b']) {
        // `[{"v":"aaa…` so that `special` starts at byte `at` of the body.
        const head = '[{"v":"';
        const fill = 'a'.repeat(at - head.length);
        const tail = special === '"' ? ',"w":"b"}, 2]' : 'b"}, 2]';
        const body = Buffer.from(`${head}${fill}${special}${tail}`);
        const spans = jsonArraySpans(body);
        expect(spans.map(([a, b]) => body.toString('utf8', a, b)), `${JSON.stringify(special)} at ${at}`).toEqual([body.toString('utf8', 1, body.length - 4), '2']);
        expect(spans.controls, `${JSON.stringify(special)} at ${at}`).toBe(special === '\u001b' ? true : undefined);
      }
    }
  });

  it('refuses a body after a refused one, and a later good one is whole', () => {
    expect(() => jsonArraySpans(Buffer.from('["a'))).toThrow(/not closed/);
    // An escape at the end of a chunk takes the next chunk's first byte.
    expect(() => jsonArrayChunkSpans([Buffer.from('["a\\'), Buffer.from('"]x')])).toThrow(/not closed/);
    expect(() => jsonArrayChunkSpans([Buffer.from('["a\\'), Buffer.from('\\"]x')])).toThrow(/after the array/);
    expect(jsonArrayChunkSpans([Buffer.from('["a\\'), Buffer.from('""]')]).length).toBe(1);
  });
});
