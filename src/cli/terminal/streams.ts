// The streams a command writes to and reads from: the process's, or a test's captures. A leaf
// module, so the output helpers and the world can both name them.

export interface OutStream extends NodeJS.WritableStream {
  isTTY?: boolean;
  columns?: number;
}

export interface InStream extends NodeJS.ReadableStream {
  isTTY?: boolean;
  setRawMode?(mode: boolean): unknown;
  unref?(): unknown;
}

/** What the terminal-aware helpers look at. */
export interface Terminal {
  stdout: OutStream;
  stderr: OutStream;
  env: NodeJS.ProcessEnv;
  debug: boolean;
}

/** Writes a result to stdout; a closed pipe (`| head`) ends the process quietly. */
export function writeResult(world: { stdout: OutStream }, text: string | Uint8Array): Promise<void> {
  return new Promise((resolve) => {
    if (!world.stdout.write(text)) world.stdout.once('drain', resolve);
    else resolve();
  });
}
