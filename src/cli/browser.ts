// Opening a URL: OAUTHCLI_BROWSER, then BROWSER (a command run with the URL as its last
// argument), else the system browser through `open`. Never fatal: the URL is always printed too.
import { spawn } from 'node:child_process';

export async function openBrowser(url: string, env: NodeJS.ProcessEnv): Promise<boolean> {
  const command = env.OAUTHCLI_BROWSER || env.BROWSER;
  try {
    if (command) {
      const [file, ...args] = splitCommand(command);
      if (!file) return false;
      const child = spawn(file, [...args, url], { stdio: 'ignore', detached: true });
      const ok = await new Promise<boolean>((resolve) => {
        child.once('error', () => resolve(false));
        child.once('spawn', () => resolve(true));
      });
      child.unref();
      return ok;
    }
    const { default: open } = await import('open');
    const child = await open(url, { wait: false });
    child.once('error', () => undefined);
    child.unref();
    return true;
  } catch {
    return false;
  }
}

/** Splits a command line on spaces, honouring simple single and double quotes. */
export function splitCommand(command: string): string[] {
  const parts: string[] = [];
  const re = /"([^"]*)"|'([^']*)'|(\S+)/g;
  for (let m = re.exec(command); m; m = re.exec(command)) parts.push(m[1] ?? m[2] ?? m[3] ?? '');
  return parts;
}
