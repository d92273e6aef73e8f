// Opening a URL: OAUTHCLI_BROWSER, then BROWSER (a command run with the URL as its last
// argument), else the system browser through `open`. Never fatal: the URL is always printed too,
// and a browser that could not be opened is reported at once (the caller offers another route).
import { spawn, type ChildProcess } from 'node:child_process';
import { isSafeWebUrl } from '../../http/insecure-hosts.js';

/** How long a launcher may take to fail before we take it that the browser opened. */
const LAUNCH_GRACE_MS = 1_500;

/** The browser command the user set, and in which variable (for saying which one failed). */
export function browserCommand(env: NodeJS.ProcessEnv): { variable: 'OAUTHCLI_BROWSER' | 'BROWSER'; value: string } | undefined {
  if (env.OAUTHCLI_BROWSER) return { variable: 'OAUTHCLI_BROWSER', value: env.OAUTHCLI_BROWSER };
  if (env.BROWSER) return { variable: 'BROWSER', value: env.BROWSER };
  return undefined;
}

/**
 * Whether trying to open a browser here makes sense: a browser command is set, or there is a
 * desktop (on Linux, a display). Without one, xdg-open would fail, or worse, start a text-mode
 * browser inside our terminal.
 */
export function canOpenBrowser(env: NodeJS.ProcessEnv, platform: NodeJS.Platform): boolean {
  return Boolean(browserCommand(env)) || platform !== 'linux' || Boolean(env.DISPLAY || env.WAYLAND_DISPLAY);
}

export async function openBrowser(url: string, env: NodeJS.ProcessEnv, platform: NodeJS.Platform = process.platform): Promise<boolean> {
  // Whatever a provider sent, only https (or http on loopback) reaches a browser.
  if (!isSafeWebUrl(url)) return false;
  const command = browserCommand(env)?.value;
  try {
    if (command) {
      const [file, ...args] = splitCommand(command);
      if (!file) return false;
      return await launched(spawn(file, [...args, url], { stdio: 'ignore', detached: true }));
    }
    if (!canOpenBrowser(env, platform)) return false;
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
