// A progress line on stderr for long listings ("Fetched 1,200 of ~3,000 repositories"), drawn
// only when stderr is a terminal someone watches (also when stdout is piped), cleared before
// anything else is written to the same screen and whenever the command ends (screen-lines.ts).
import { interactiveStderr } from './spinner.js';
import { registerLine } from './screen-lines.js';
import type { World } from '../world.js';

export interface Progress {
  /** Redraws the line. */
  show(done: number, total: number | undefined): void;
  /** Clears the line (before a write to stdout on the same screen, and at the end). */
  clear(): void;
}

const CLEAR_LINE = '\r\u001b[2K';

export function progressLine(world: World, noun: string): Progress {
  if (!interactiveStderr(world)) return { show() {}, clear() {} };
  let shown = false;
  const clear = () => {
    if (shown) world.stderr.write(CLEAR_LINE);
    shown = false;
  };
  registerLine(clear);
  return {
    show(done, total) {
      const of = total && total > done ? ` of ~${thousands(total)}` : '';
      const text = `Fetched ${thousands(done)}${of} ${noun}…`;
      // One row, never wrapped: CLEAR_LINE clears only the row the cursor is on, so a line that
      // wrapped on a narrow terminal would leave its first part behind.
      const room = (world.stderr.columns ?? 80) - 1;
      world.stderr.write(`${CLEAR_LINE}${text.length > room ? `${text.slice(0, Math.max(0, room - 1))}…` : text}`);
      shown = true;
    },
    clear,
  };
}

/** 5000 → "5,000" (toLocaleString would first load ICU's locale data: ~15 ms). */
export function thousands(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}
