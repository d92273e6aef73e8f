// Debian's Chromium (never a downloaded browser), driven by playwright-core, with the flags this
// machine needs: no sandbox as root, and no background networking (the network is closed, and
// Chromium would otherwise keep trying Google's hosts). chromium.launch gives it a fresh
// temporary profile, deleted again by browser.close().
import { chromium, type Browser } from 'playwright-core';

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
