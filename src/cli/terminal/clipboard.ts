// Copying the one-time code to the clipboard (`login -c`), with the tool each desktop provides.
// Says why not when there is none (an SSH session, a server without a display).
import { spawn } from 'node:child_process';

interface Tool {
  command: string;
  args: string[];
}

/** The clipboard tools to try here, best first. */
export function clipboardTools(env: NodeJS.ProcessEnv, platform: NodeJS.Platform): Tool[] {
  if (platform === 'darwin') return [{ command: 'pbcopy', args: [] }];
  if (platform === 'win32') return [{ command: 'clip', args: [] }];
  const tools: Tool[] = [];
  if (env.WAYLAND_DISPLAY) tools.push({ command: 'wl-copy', args: [] });
  if (env.DISPLAY) tools.push({ command: 'xclip', args: ['-selection', 'clipboard'] }, { command: 'xsel', args: ['--clipboard', '--input'] });
  return tools;
}

/** Copies `text`; resolves undefined when copied, else why not. */
export async function copyToClipboard(text: string, env: NodeJS.ProcessEnv, platform: NodeJS.Platform): Promise<string | undefined> {
  const tools = clipboardTools(env, platform);
  if (tools.length === 0) return 'there is no clipboard here (no display)';
  let missing = 0;
  for (const tool of tools) {
    const outcome = await run(tool, text, env);
    if (outcome === 'copied') return undefined;
    if (outcome === 'missing') missing += 1;
  }
  const names = tools.map((t) => t.command).join(' or ');
  return missing === tools.length ? `${names} is not installed` : `${names} failed`;
}

function run(tool: Tool, text: string, env: NodeJS.ProcessEnv): Promise<'copied' | 'missing' | 'failed'> {
  return new Promise((resolve) => {
    const child = spawn(tool.command, tool.args, { stdio: ['pipe', 'ignore', 'ignore'], env });
    const timer = setTimeout(() => {
      child.kill();
      resolve('failed');
    }, 3_000);
    child.once('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      resolve(error.code === 'ENOENT' ? 'missing' : 'failed');
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve(code === 0 ? 'copied' : 'failed');
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(text);
  });
}
