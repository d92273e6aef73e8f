// The offer to configure git after an interactive sign-in (issue 22, item 5), in process with the
// real git and a global config of the test's own: --git and --no-git decide without asking; a
// terminal is asked once (Enter means yes); a pipe is never asked; a host already set up is not
// asked again.
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { offerGitSetup } from '../../src/cli/git-offer.js';
import { testWorld, type TestWorld } from '../support/test-world.js';

const dirs: string[] = [];
const worlds: TestWorld[] = [];
afterEach(() => {
  for (const w of worlds.splice(0)) w.cleanup();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const HOST = 'ghe.example.com';

function world(options: { tty: boolean; stdin?: string }) {
  const dir = mkdtempSync(join(tmpdir(), 'oauthcli-git-offer-'));
  dirs.push(dir);
  const gitconfig = join(dir, 'gitconfig');
  const w = testWorld({ tty: options.tty, ...(options.stdin !== undefined ? { stdin: options.stdin } : {}), env: { PATH: process.env.PATH, HOME: dir, GIT_CONFIG_GLOBAL: gitconfig, GIT_CONFIG_NOSYSTEM: '1' } });
  worlds.push(w);
  return { w, gitconfig: () => (existsSync(gitconfig) ? readFileSync(gitconfig, 'utf8') : '') };
}

const configured = (text: string) => text.includes(`[credential "https://${HOST}"]`) && /helper = .*git-credential/.test(text);

describe('offerGitSetup', () => {
  it('--git configures git without asking, even with no terminal', async () => {
    const { w, gitconfig } = world({ tty: false });
    await offerGitSetup(w.world, HOST, true);
    expect(configured(gitconfig())).toBe(true);
    expect(w.stderr()).not.toContain('?');
    expect(w.stderr()).toContain(`git now asks oauthcli for the credentials of ${HOST}`);
  });

  it('--no-git neither asks nor configures, even on a terminal', async () => {
    const { w, gitconfig } = world({ tty: true, stdin: '\n' });
    await offerGitSetup(w.world, HOST, false);
    expect(gitconfig()).toBe('');
    expect(w.stderr()).toBe('');
  });

  it('stdin not a terminal: never asked, nothing configured', async () => {
    const { w, gitconfig } = world({ tty: false, stdin: 'y\n' });
    await offerGitSetup(w.world, HOST, undefined);
    expect(gitconfig()).toBe('');
    expect(w.stderr()).toBe('');
  });

  it('on a terminal: asked once; Enter means yes', async () => {
    const { w, gitconfig } = world({ tty: true, stdin: '\n' });
    await offerGitSetup(w.world, HOST, undefined);
    expect(w.stderr()).toContain(`Configure git to use oauthcli for ${HOST}? (Y/n) `);
    expect(configured(gitconfig())).toBe(true);
  });

  it('on a terminal: "n" leaves git alone and says how to do it later', async () => {
    const { w, gitconfig } = world({ tty: true, stdin: 'n\n' });
    await offerGitSetup(w.world, HOST, undefined);
    expect(gitconfig()).toBe('');
    expect(w.stderr()).toContain(`oauthcli setup-git --hostname ${HOST}`);
  });

  it('a host git already asks oauthcli for is not asked about again', async () => {
    const { w } = world({ tty: true, stdin: '\n' });
    await offerGitSetup(w.world, HOST, true);
    const before = w.stderr();
    await offerGitSetup(w.world, HOST, undefined);
    expect(w.stderr()).toBe(before);
  });

  it('github.com: gist.github.com too, as setup-git does', async () => {
    const { w, gitconfig } = world({ tty: false });
    await offerGitSetup(w.world, 'github.com', true);
    expect(gitconfig()).toContain('[credential "https://gist.github.com"]');
  });
});
