// Entry point of `docker-credential-oauthcli` (bin/docker-credential-oauthcli.js), the program
// docker runs for the registries `setup-docker` names. A lean path of its own: no commander, no
// help text; the world (config, keychain) and the HTTP client load only for `get`.
// The protocol is in src/docker/credential-helper.ts; everything it says goes to stdout, where
// docker reads it (docker does not show a helper's stderr), each secret redacted and each
// character a terminal would obey escaped.
import { writeSync } from 'node:fs';

const MAX_INPUT_BYTES = 64 * 1024;

const { debugFromEnv, trapInterrupts } = await import('./run-command.js');
const interrupts = trapInterrupts();
let out: string;
let code: number;
let redact = (text: string) => text;
try {
  const [{ createWorld }, { handleAction }, { readStdin }] = await Promise.all([import('./world.js'), import('../docker/credential-helper.js'), import('./terminal/stdin.js')]);
  // OAUTHCLI_DEBUG=1: the HTTP trace on stderr, secrets redacted (docker does not show it; a person running the helper by hand sees it).
  const world = createWorld({ signal: interrupts.signal, debug: debugFromEnv() });
  redact = world.redact;
  const outcome = await handleAction(world, process.argv.slice(2), () => readStdin(world, MAX_INPUT_BYTES), __OAUTHCLI_VERSION__);
  out = outcome.stdout;
  code = outcome.exitCode;
} catch (error) {
  const { safeText } = await import('./terminal/safe-text.js');
  const message = error instanceof Error ? error.message : String(error);
  out = `${safeText(redact(`oauthcli: ${message.split('\n')[0] ?? message}`))}\n`;
  code = 1;
} finally {
  interrupts.release();
}
try {
  writeSync(1, out);
} catch {
  // Nobody is reading.
}
process.exitCode = code;

export {};
