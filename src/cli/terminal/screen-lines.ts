// Lines drawn on the terminal that must not outlive the command (the progress line): each
// registers how to clear itself, and every way a command ends clears them: its return, its error
// (before the error's line is written, so the two never share a row), Ctrl-C, and process.exit
// (a closed stdout under `| head`, a second Ctrl-C). Tiny, so run-command.ts loads it for free.

const open = new Set<() => void>();
let exitHooked = false;

/** Registers a line's clear(); returns its removal. */
export function registerLine(clear: () => void): () => void {
  open.add(clear);
  if (!exitHooked) {
    exitHooked = true;
    // Writes to a terminal are synchronous in Node: what is written here reaches the screen.
    process.on('exit', clearLines);
  }
  return () => open.delete(clear);
}

/** Clears every line still on the screen. */
export function clearLines(): void {
  for (const clear of [...open]) {
    try {
      clear();
    } catch {
      // A terminal already gone has nothing left to clear.
    }
  }
}
