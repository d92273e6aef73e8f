// src/store/listing-pages.ts: the page counts a listing remembers for next time, in the cache folder.
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cacheDirFor } from '../../src/store/config-file.js';
import { ListingPages } from '../../src/store/listing-pages.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'oauthcli-listing-pages-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('ListingPages', () => {
  it('remembers a count per listing, in a file only its owner may read', () => {
    const pages = new ListingPages(join(dir, 'oauthcli'));
    expect(pages.recall('a')).toBeUndefined();
    pages.remember('a', 50);
    pages.remember('b', 3);
    expect(new ListingPages(join(dir, 'oauthcli')).recall('a')).toBe(50);
    expect(pages.recall('b')).toBe(3);
    expect(statSync(join(dir, 'oauthcli', 'listing-pages.json')).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'oauthcli')).mode & 0o777).toBe(0o700);
  });

  it('a listing of one page forgets the entry: there is nothing to guess', () => {
    const pages = new ListingPages(dir);
    pages.remember('a', 1);
    expect(existsSync(join(dir, 'listing-pages.json'))).toBe(false); // nothing written for it
    pages.remember('a', 7);
    pages.remember('a', 1);
    expect(pages.recall('a')).toBeUndefined();
    expect(JSON.parse(readFileSync(join(dir, 'listing-pages.json'), 'utf8'))).toEqual({});
  });

  it('keeps the 64 listings read most recently', () => {
    const pages = new ListingPages(dir);
    for (let i = 0; i < 70; i++) {
      pages.remember(`listing-${i}`, 2);
      // Entries are ordered by when they were written; make each write a later one.
      const file = join(dir, 'listing-pages.json');
      const all = JSON.parse(readFileSync(file, 'utf8')) as Record<string, { pages: number; at: string }>;
      all[`listing-${i}`]!.at = new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString();
      writeFileSync(file, JSON.stringify(all));
    }
    pages.remember('listing-70', 2);
    const kept = Object.keys(JSON.parse(readFileSync(join(dir, 'listing-pages.json'), 'utf8')) as object);
    expect(kept).toHaveLength(64);
    expect(kept).toContain('listing-70');
    expect(kept).not.toContain('listing-6');
    expect(kept).toContain('listing-7');
  });

  it('ignores a file that is not what it wrote, and entries that are not counts', () => {
    const file = join(dir, 'listing-pages.json');
    const pages = new ListingPages(dir);
    for (const text of ['', 'not json', '[]', 'null', '{"a": 5}', '{"a": {"pages": "5", "at": "x"}}', '{"a": {"pages": 2.5, "at": "x"}}']) {
      writeFileSync(file, text);
      expect(pages.recall('a')).toBeUndefined();
    }
    writeFileSync(file, '{"a": {"pages": 4, "at": "2026-01-01T00:00:00.000Z"}, "b": 7}');
    expect(pages.recall('a')).toBe(4);
    pages.remember('c', 2);
    expect(Object.keys(JSON.parse(readFileSync(file, 'utf8')) as object).sort()).toEqual(['a', 'c']);
  });
});

describe('cacheDirFor', () => {
  it("is the platform's cache folder", () => {
    expect(cacheDirFor({}, 'linux', '/home/u')).toBe('/home/u/.cache/oauthcli');
    expect(cacheDirFor({ XDG_CACHE_HOME: '/xdg' }, 'linux', '/home/u')).toBe('/xdg/oauthcli');
    expect(cacheDirFor({}, 'darwin', '/Users/u')).toBe('/Users/u/Library/Caches/oauthcli');
    expect(cacheDirFor({ LOCALAPPDATA: 'C:\\Users\\u\\AppData\\Local' }, 'win32', 'C:\\Users\\u')).toBe(join('C:\\Users\\u\\AppData\\Local', 'oauthcli'));
  });
});
