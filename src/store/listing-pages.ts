// How many pages each listing had the last time it was read, so that the next time its pages are
// asked for together with page 1 instead of after page 1's answer (PaginateOptions.expectedLastPage):
// one round trip less, the time of a whole page on GitHub (~0.3-0.5 s). A cache: losing it, or a
// figure gone stale, costs only speed, as page 1's `Link` still decides what is read. It lives in
// the user's cache folder, beside Node's compile cache, and holds account keys and listing options,
// never a token.
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkPrivateFolder, PRIVATE_DIR_MODE, writePrivateFileSync } from './private-file.js';

/** Listings remembered; those whose count was recorded longest ago go first. */
const MAX_LISTINGS = 64;

type Remembered = Record<string, { pages: number; at: string }>;

export class ListingPages {
  private readonly path: string;

  /** Refuses (one line) a cache folder that is not the user's alone: what it holds steers our requests. */
  constructor(private readonly cacheDir: string) {
    this.path = join(cacheDir, 'listing-pages.json');
    checkPrivateFolder(cacheDir, 'cache');
  }

  /** The page count last seen for this listing, if any. */
  recall(listing: string): number | undefined {
    const pages = this.read()[listing]?.pages;
    return Number.isSafeInteger(pages) && pages! > 1 ? pages : undefined;
  }

  /**
   * Records a listing's page count. Best effort: a cache that cannot be written (a read-only
   * home, a full disk) only makes the next listing as slow as the first, so nothing is reported.
   */
  remember(listing: string, pages: number): void {
    const all = this.read();
    // Unchanged (or a one-page listing never remembered): nothing to write.
    if (pages > 1 ? all[listing]?.pages === pages : !(listing in all)) return;
    delete all[listing];
    if (pages > 1) all[listing] = { pages, at: new Date().toISOString() };
    const kept = Object.entries(all)
      .sort(([, a], [, b]) => b.at.localeCompare(a.at))
      .slice(0, MAX_LISTINGS);
    try {
      mkdirSync(this.cacheDir, { recursive: true, mode: PRIVATE_DIR_MODE });
      checkPrivateFolder(this.cacheDir, 'cache');
      // Written whole and renamed over the old file (a listing started meanwhile reads one or the
      // other), never through a link (private-file.ts). No fsync: a cache may be lost.
      writePrivateFileSync(this.path, `${JSON.stringify(Object.fromEntries(kept), null, 2)}\n`);
    } catch {
      // Nothing more to do for a cache.
    }
  }

  private read(): Remembered {
    try {
      const parsed: unknown = JSON.parse(readFileSync(this.path, 'utf8'));
      if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return {};
      const out: Remembered = {};
      for (const [key, value] of Object.entries(parsed as Record<string, unknown>)) {
        const { pages, at } = (value ?? {}) as { pages?: unknown; at?: unknown };
        if (typeof pages === 'number' && typeof at === 'string') out[key] = { pages, at };
      }
      return out;
    } catch {
      // Missing (the first listing) or unreadable: nothing remembered.
      return {};
    }
  }
}
