// Completion values are data in every shell, whatever they hold. A provider chooses the login
// that gets stored (GitHub `login`, GitLab `username`, OIDC `preferred_username`), and the
// completion scripts offer stored logins; so each script is loaded into a real interactive
// shell (bash, zsh, fish) in a tmux terminal, `oauthcli whoami -u ` is typed, Tab pressed, then
// Enter. The `oauthcli` on PATH is a stand-in: asked `__complete`, it prints the hostile value;
// run as a command, it records the words it was given. Nothing may run during completion (no
// marker file appears), and the word inserted must reach the command as exactly that value.
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeSandbox, runCli, type Sandbox } from '../support/cli.js';
import { startTerminal, type Terminal } from '../support/terminal.js';
import { until } from '../support/until.js';

const has = (program: string) => spawnSync(program, ['-c', 'exit 0'], { stdio: 'ignore' }).status === 0;
const hasTmux = spawnSync('tmux', ['-V'], { stdio: 'ignore' }).status === 0;

/** [what, the lines `__complete users` prints, what is typed before Tab, the login the command must receive]. */
const HOSTILE: Array<[string, string, string, string]> = [
  ['command substitution', '$(touch pwned-dollar)', '', '$(touch pwned-dollar)'],
  ['backquotes', '`touch pwned-backquote`', '', '`touch pwned-backquote`'],
  ['a command separator', 'a;touch pwned-semicolon', '', 'a;touch pwned-semicolon'],
  ['a glob', '*', '', '*'],
  ['spaces and quotes', `it's "a b"`, '', `it's "a b"`],
  // A login with a line break arrives as two lines: both are only words.
  ['a line break', 'zz\n$(touch pwned-newline)\n`touch pwned-newline2`', 'zz', 'zz'],
];

let sandbox: Sandbox;
let bin: string;
let work: string;
const scripts: Record<string, string> = {};

beforeAll(async () => {
  sandbox = makeSandbox();
  bin = join(sandbox.root, 'bin');
  mkdirSync(bin);
  work = join(sandbox.root, 'work');
  mkdirSync(work);
  // Files a glob would expand to.
  writeFileSync(join(work, 'body.json'), '{}');
  writeFileSync(join(work, 'notes.txt'), '');
  // The real CLI writes the scripts; the stand-in answers them.
  for (const shell of ['bash', 'zsh', 'fish']) {
    const res = await runCli(['completion', shell], { env: sandbox.env });
    expect(res.code).toBe(0);
    scripts[shell] = join(sandbox.root, `completion.${shell}`);
    writeFileSync(scripts[shell], res.stdout);
  }
  const fake = join(bin, 'oauthcli');
  writeFileSync(
    fake,
    `#!/bin/sh
if [ "$1" = __complete ]; then cat '${sandbox.root}/candidates'; exit 0; fi
printf '%s\\0' "$@" > '${sandbox.root}/args.tmp' && mv '${sandbox.root}/args.tmp' '${sandbox.root}/args'
`,
  );
  chmodSync(fake, 0o755);
});
afterAll(() => {
  sandbox?.cleanup();
});

const markers = () => readdirSync(work).filter((f) => f.startsWith('pwned'));

/** The words the stand-in was last run with. */
const lastArgs = () => readFileSync(join(sandbox.root, 'args'), 'utf8').split('\0').slice(0, -1);

/** How each shell is started and given the script. */
const SHELLS: Record<string, { argv: string[]; load: (script: string) => string }> = {
  bash: { argv: ['bash', '--norc', '--noprofile', '-i'], load: (s) => `source '${s}'` },
  zsh: { argv: ['zsh', '-f', '-i'], load: (s) => `autoload -U compinit && compinit -u -D && source '${s}'` },
  fish: { argv: ['fish', '--no-config', '-i'], load: (s) => `source '${s}'` },
};

for (const [shell, how] of Object.entries(SHELLS)) {
  describe.skipIf(!hasTmux || !has(shell))(`${shell}: hostile logins`, () => {
    let term: Terminal;
    beforeAll(async () => {
      term = await startTerminal(how.argv, { cols: 160, rows: 40, cwd: work, env: { PATH: `${bin}:${process.env.PATH ?? ''}`, HOME: sandbox.home, LANG: 'C.UTF-8' } });
      // READY appears only as the output of echo, not in the line typed (RE""ADY).
      await term.type(`${how.load(scripts[shell]!)}; echo RE""ADY`);
      await term.sendKeys('Enter');
      await term.waitForScreen(/^READY$/m, 20_000);
    });
    afterAll(async () => {
      await term?.close();
    });

    it.each(HOSTILE)('%s: never run, inserted as the very word', async (_what, lines, typed, received) => {
      writeFileSync(join(sandbox.root, 'candidates'), `${lines}\n`);
      rmSync(join(sandbox.root, 'args'), { force: true });
      for (const marker of markers()) rmSync(join(work, marker));
      await term.type(`oauthcli whoami -u ${typed}`);
      // Keys reach the shell in order: Enter is read once completion has inserted the word.
      await term.sendKeys('Tab');
      await term.sendKeys('Enter');
      await until(() => existsSync(join(sandbox.root, 'args')), 'the command line to run', 20_000).catch(async (error: unknown) => {
        throw new Error(`${(error as Error).message}; the screen:\n${await term.screen()}`);
      });
      expect(markers()).toEqual([]);
      expect(lastArgs()).toEqual(['whoami', '-u', received]);
    });
  });
}
