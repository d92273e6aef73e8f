// A spinner only when both streams are terminals a person watches.
import type { Terminal } from './streams.js';

export interface Spinner {
  update(text: string): void;
  stop(): void;
}

/** Whether stderr is a terminal a person watches (a spinner or progress line is worth drawing). */
export function interactiveStderr(world: Pick<Terminal, 'stderr' | 'env' | 'debug'>): boolean {
  // ora loops forever (blocking the event loop, so even Ctrl-C is ignored) on a terminal that
  // reports 0 columns, e.g. a pty whose size was never set: nothing animated there.
  return Boolean(world.stderr.isTTY && world.stderr.columns) && !world.env.CI && !world.debug;
}

export async function startSpinner(world: Terminal, text: string): Promise<Spinner> {
  if (!interactiveStderr(world) || !world.stdout.isTTY) return { update() {}, stop() {} };
  const { default: ora } = await import('ora');
  const spinner = ora({ text, stream: world.stderr as NodeJS.WriteStream, discardStdin: false }).start();
  return {
    update(t) {
      spinner.text = t;
    },
    stop() {
      spinner.stop();
    },
  };
}
