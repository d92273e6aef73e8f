// Entry point. `--version` and `--help` answer before anything else loads, and the plain forms of
// `token`, `whoami`, `repos` and `git-credential` run without commander (src/cli/fast-path.ts):
// start-up is part of the product.
// The answer is written with fs.writeSync: process.stdout would build a stream (and load node:net
// for a pipe) to print a few lines. (program.ts's writeOutSync does the same for commander; one
// module shared by both would cost this path a chunk load, ~2 ms.)
import { readFileSync, writeSync } from 'node:fs';

// NO_COLOR wins over FORCE_COLOR (as in output.ts's colorLevel). Without this Node itself prints
// "Warning: The 'NO_COLOR' env is ignored due to the 'FORCE_COLOR' env being set" as soon as
// node:util is imported (commander does); children (a browser, xclip) see the same choice.
if (process.env.NO_COLOR && process.env.FORCE_COLOR !== undefined) delete process.env.FORCE_COLOR;

const argv = process.argv.slice(2);
const only = argv.length === 1 ? argv[0] : undefined;
let answer: string | undefined;
if (only === '--version' || only === '-V') answer = `${__OAUTHCLI_VERSION__}\n`;
// help.txt is commander's own 80-column help, written by the build (scripts/prerender-help.mjs),
// for a terminal too (as gh's, it does not reflow); commander draws it when the file is missing.
else if (argv.length === 0 || only === '--help' || only === '-h' || only === 'help') answer = prerenderedHelp();

if (answer !== undefined) {
  try {
    writeSync(1, answer);
  } catch {
    // A closed stdout (`oauthcli --version | true`) is not an error worth reporting.
  }
} else {
  // `token`, `whoami`, `repos` and `git-credential` in their plain forms skip commander (src/cli/fast-path.ts).
  const { fastInvocation } = await import('./fast-path.js');
  const fast = fastInvocation(argv);
  if (fast) {
    const { runCommand, trapInterrupts } = await import('./run-command.js');
    const interrupts = trapInterrupts();
    process.exitCode = await runCommand(fast, interrupts);
    interrupts.release();
  } else {
    const { run } = await import('./program.js');
    process.exitCode = await run(argv);
  }
}

function prerenderedHelp(): string | undefined {
  try {
    return readFileSync(new URL('./help.txt', import.meta.url), 'utf8');
  } catch {
    return undefined;
  }
}

export {};
