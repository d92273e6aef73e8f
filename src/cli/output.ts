// Terminal-aware output: colours only for a terminal (and never with NO_COLOR), a spinner only
// when both streams are terminals, results on stdout and everything else on stderr.
import type { World } from './world.js';

export interface Paint {
  bold(s: string): string;
  dim(s: string): string;
  green(s: string): string;
  yellow(s: string): string;
  red(s: string): string;
  cyan(s: string): string;
}

const plain: Paint = { bold: (s) => s, dim: (s) => s, green: (s) => s, yellow: (s) => s, red: (s) => s, cyan: (s) => s };

export function colorLevel(env: NodeJS.ProcessEnv, stream: { isTTY?: boolean }): 0 | 1 | 2 | 3 {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return 0;
  const force = env.FORCE_COLOR;
  if (force !== undefined) {
    if (force === '0' || force === 'false') return 0;
    const n = Number(force);
    return n >= 1 && n <= 3 ? (n as 1 | 2 | 3) : 1;
  }
  if (!stream.isTTY || env.TERM === 'dumb') return 0;
  return 1;
}

/** Colours for one stream; chalk loads only when colour is on. */
export async function paintFor(world: Pick<World, 'env'>, stream: { isTTY?: boolean }): Promise<Paint> {
  const level = colorLevel(world.env, stream);
  if (level === 0) return plain;
  const { Chalk } = await import('chalk');
  const chalk = new Chalk({ level });
  return { bold: chalk.bold, dim: chalk.dim, green: chalk.green, yellow: chalk.yellow, red: chalk.red, cyan: chalk.cyan };
}

export interface Spinner {
  update(text: string): void;
  stop(): void;
}

export async function startSpinner(world: World, text: string, json = false): Promise<Spinner> {
  // ora loops forever (blocking the event loop, so even Ctrl-C is ignored) on a terminal that
  // reports 0 columns, e.g. a pty whose size was never set: no spinner there.
  const interactive = world.stderr.isTTY && world.stdout.isTTY && Boolean(world.stderr.columns) && !json && !world.env.CI && !world.debug;
  if (!interactive) return { update() {}, stop() {} };
  const { default: ora } = await import('ora');
  const spinner = ora({ text, stream: world.stderr, discardStdin: false }).start();
  return {
    update(t) {
      spinner.text = t;
    },
    stop() {
      spinner.stop();
    },
  };
}

/** Writes a result to stdout; a closed pipe (`| head`) ends the process quietly. */
export function writeResult(world: Pick<World, 'stdout'>, text: string | Uint8Array): Promise<void> {
  return new Promise((resolve) => {
    if (!world.stdout.write(text)) world.stdout.once('drain', resolve);
    else resolve();
  });
}

export function formatExpiry(expiresAt: string | undefined | null, now = Date.now()): string {
  if (!expiresAt) return 'does not expire';
  const ms = Date.parse(expiresAt) - now;
  if (ms <= 0) return `expired ${relative(-ms)} ago`;
  return `expires in ${relative(ms)} (${expiresAt})`;
}

export function relative(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 90) return `${s} s`;
  const m = Math.round(s / 60);
  if (m < 90) return `${m} min`;
  const h = Math.round(m / 60);
  if (h < 36) return `${h} h`;
  return `${Math.round(h / 24)} days`;
}
