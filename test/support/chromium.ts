// Debian's Chromium (never a downloaded browser), driven by playwright-core, with the flags this
// machine needs: no sandbox as root, and no background networking (the network is closed, and
// Chromium would otherwise keep trying Google's hosts). chromium.launch gives it a fresh
// temporary profile, deleted again by browser.close().
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll } from 'vitest';

export const CHROMIUM_PATH = '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS });
}

export interface ChromiumPages {
  /** A new page in this test's browser context (made at its first page, closed after the test). */
  newPage(): Promise<Page>;
}

/**
 * One Chromium for a test file (launched before its tests, closed after them) and a fresh context
 * (cookies, storage) for each test. Call it at the top level of the file, or of a describe block
 * for that block's tests. `timeoutMs` is every page's default wait; `prepare` readies each page
 * (routes that keep it off the network).
 */
export function chromiumForFile(options: { timeoutMs: number; prepare?: (page: Page) => Promise<unknown> }): ChromiumPages {
  let browser: Browser | undefined;
  let context: BrowserContext | undefined;
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });
  afterEach(async () => {
    await context?.close();
    context = undefined;
  });
  return {
    async newPage() {
      if (!browser) throw new Error('Chromium is not running: chromiumForFile runs it for the tests of the file or block it is called in');
      context ??= await browser.newContext();
      const page = await context.newPage();
      page.setDefaultTimeout(options.timeoutMs);
      await options.prepare?.(page);
      return page;
    },
  };
}
