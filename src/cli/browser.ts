// Opening a URL: OAUTHCLI_BROWSER, then BROWSER (a command run with the URL as its last
// argument), else the system browser through `open`. Never fatal: the URL is always printed too,
// and a browser that could not be opened is reported at once (the caller offers another route).
import { spawn, type ChildProcess } from 'node:child_process';
import { isSafeWebUrl } from '../http/insecure-hosts.js';

/** How long a launcher may take to fail before we take it that the browser opened. */
const LAUNCH_GRACE_MS = 1_500;

export async function openBrowser(url: string, env: NodeJS.ProcessEnv, platform: NodeJS.Platform = process.platform): Promise<boolean> {
  // Whatever a provider sent, only https (or http on loopback) reaches a browser.
  if (!isSafeWebUrl(url)) return false;
  const command = env.OAUTHCLI_BROWSER || env.BROWSER;
  try {
    if (command) {
      const [file, ...args] = splitCommand(command);
      if (!file) return false;
      return await launched(spawn(file, [...args, url], { stdio: 'ignore', detached: true }));
    }
    // No display: xdg-open would fail, or worse, start a text-mode browser inside our terminal.
    if (platform === 'linux' && !env.DISPLAY && !env.WAYLAND_DISPLAY) return false;
    const { default: open } = await import('open');
    return await launched(await open(url, { wait: false }));
  } catch {
    return false;
  }
}

/** True once the launcher started and did not fail within a moment (xdg-open exits 3 or 4 when it cannot). */
function launched(child: ChildProcess): Promise<boolean> {
  return new Promise((resolve) => {
    const done = (ok: boolean) => {
      clearTimeout(timer);
      child.removeAllListeners('exit');
      child.removeAllListeners('error');
      child.on('error', () => undefined);
      child.unref();
      resolve(ok);
    };
    const timer = setTimeout(() => done(true), LAUNCH_GRACE_MS);
    timer.unref();
    child.once('error', () => done(false));
    child.once('exit', (code) => done(code === 0));
  });
}

/** Splits a command line on spaces, honouring simple single and double quotes. */
export function splitCommand(command: string): string[] {
  const parts: string[] = [];
  const re = /"([^"]*)"|'([^']*)'|(\S+)/g;
  for (let m = re.exec(command); m; m = re.exec(command)) parts.push(m[1] ?? m[2] ?? m[3] ?? '');
  return parts;
}
