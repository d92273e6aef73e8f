// Running one command's module: Ctrl-C, a closed stdout, the world, and the one line on stderr
// when it fails. Shared by the commander program and the fast path (src/cli/fast-path.ts), so a
// command behaves the same whichever way it was reached.
import { reportError } from './errors.js';
import { clearLines } from './terminal/screen-lines.js';
import type { World } from './world.js';

export type CommandModule = { run(world: World, ...args: never[]): Promise<number | void> };

export interface Invocation {
  /** The command's module, loading. */
  loading: Promise<CommandModule>;
  positional: unknown[];
  opts: Record<string, unknown> & { debug?: boolean };
  /** What commander hands a command last (its Command object); none on the fast path. */
  command?: unknown;
  /** For "Run 'oauthcli <command> --help'". */
  name: string;
}

export interface Interrupts {
  /** Aborted on Ctrl-C. */
  signal: AbortSignal;
  /** Runs `run` with Ctrl-C (and SIGTERM, SIGHUP) held back until it ends; see SessionDeps.holdInterrupts. */
  hold<T>(run: () => Promise<T>): Promise<T>;
  release(): void;
}

/**
 * Ctrl-C aborts the world's signal; a second one ends the process at once (130). Inside `hold`
 * (a refresh request sent, its tokens not yet saved) the first Ctrl-C waits for `run` to end
 * and aborts then; SIGTERM and SIGHUP wait likewise and take effect then.
 */
export function trapInterrupts(): Interrupts {
  const controller = new AbortController();
  let interrupts = 0;
  let holding = 0;
  let heldInterrupt = false;
  const onSigint = () => {
    interrupts += 1;
    clearLines();
    if (interrupts > 1) process.exit(130);
    if (holding === 0) return controller.abort();
    heldInterrupt = true;
    // Said at once: the answer may take up to the request's deadline.
    process.stderr.write('oauthcli: finishing the token refresh already sent, then stopping (Ctrl-C again to quit at once)\n');
  };
  const heldSignals: NodeJS.Signals[] = [];
  const deferTerm = (name: NodeJS.Signals) => () => void heldSignals.push(name);
  const onTerm = deferTerm('SIGTERM');
  const onHup = deferTerm('SIGHUP');
  process.on('SIGINT', onSigint);
  return {
    signal: controller.signal,
    async hold(run) {
      if (holding++ === 0) {
        process.on('SIGTERM', onTerm);
        process.on('SIGHUP', onHup);
      }
      try {
        return await run();
      } finally {
        if (--holding === 0) {
          process.off('SIGTERM', onTerm);
          process.off('SIGHUP', onHup);
          if (heldInterrupt) controller.abort();
          // With our handlers gone, the signal does what it would have done.
          for (const name of heldSignals.splice(0)) process.kill(process.pid, name);
        }
      }
    },
    release: () => process.off('SIGINT', onSigint),
  };
}

export function debugFromEnv(): boolean {
  return process.env.OAUTHCLI_DEBUG === '1' || process.env.OAUTHCLI_DEBUG === 'true';
}

/** Runs the command; resolves its exit code. Errors become one line (src/cli/errors.ts) unless `rethrow`. */
export async function runCommand(inv: Invocation, interrupts: Pick<Interrupts, 'signal' | 'hold'>, options: { rethrow?: boolean } = {}): Promise<number> {
  const debug = debugFromEnv() || Boolean(inv.opts.debug);
  // `oauthcli … | head`: a closed pipe is not an error worth a trace.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0);
  });
  inv.loading.catch(() => undefined);
  let world: World | undefined;
  try {
    // The command's module loads while the world is made (start-up).
    const { createWorld } = await import('./world.js');
    world = createWorld({ debug, signal: interrupts.signal, holdInterrupts: interrupts.hold });
    const mod = await inv.loading;
    const code = await (mod.run as (w: World, ...rest: unknown[]) => Promise<number | void>)(world, ...inv.positional, inv.opts, inv.command);
    clearLines();
    return code ?? 0;
  } catch (error) {
    // Before the error's line: a progress line left on its row would share it.
    clearLines();
    if (options.rethrow) throw Object.assign(error as object, { world });
    return reportError(error, { stderr: process.stderr, debug, redact: world?.redact ?? ((t) => t), loginHint: world?.loginHint, command: inv.name });
  }
}
