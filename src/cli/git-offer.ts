// After an interactive sign-in to a host that serves git (GitHub, GitLab): configure git to ask
// oauthcli for that host's credentials, as `setup-git` does. `--git` / `--no-git` decide up
// front; otherwise the user is asked once, on a terminal only (default yes), and not at all when
// git already asks oauthcli for the host.
import { createInterface } from 'node:readline';
import { isSetUp, helperCommand, setUpGit, systemGit, type GitRunner } from '../git/setup.js';
import { withGists } from './commands/setup-git.js';
import { paintFor } from './terminal/paint.js';
import type { World } from './world.js';

export async function offerGitSetup(world: World, host: string, choice: boolean | undefined, git: GitRunner = systemGit(world.env)): Promise<void> {
  if (choice === false) return;
  const hosts = withGists(host);
  const command = helperCommand(world.env);
  if (choice === undefined) {
    if (!world.stdin.isTTY || !world.stderr.isTTY) return;
    // Already set up, or no git here: nothing to ask.
    if (await isSetUp(git, hosts, command).catch(() => true)) return;
    if (!(await askYesNo(world, `Configure git to use oauthcli for ${host}? (Y/n) `))) {
      world.info(`git was left as it was; to set it up later: oauthcli setup-git --hostname ${host}`);
      return;
    }
  }
  await setUpGit(git, hosts, command);
  const paint = await paintFor(world, world.stderr);
  world.info(`${paint.green('✓')} git now asks oauthcli for the credentials of ${hosts.join(', ')} (undo with oauthcli setup-git --remove)`);
}

/** One line from the terminal: empty, y or yes is yes; anything else (or the end of input) is no. */
function askYesNo(world: World, question: string): Promise<boolean> {
  return new Promise((resolve) => {
    const rl = createInterface({ input: world.stdin as NodeJS.ReadableStream, output: world.stderr as NodeJS.WritableStream, terminal: false });
    let answered = false;
    const finish = (yes: boolean) => {
      if (answered) return;
      answered = true;
      world.signal.removeEventListener('abort', onAbort);
      rl.close();
      resolve(yes);
    };
    const onAbort = () => finish(false);
    world.signal.addEventListener('abort', onAbort, { once: true });
    rl.once('line', (line) => finish(/^\s*(y|yes)?\s*$/i.test(line)));
    rl.once('close', () => finish(false));
    world.stderr.write(question);
  });
}
