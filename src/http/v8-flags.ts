// undici parses HTTP with llhttp compiled to WebAssembly. V8 recompiles a hot wasm function with
// its optimising compiler in the background, and a process cannot exit before that job ends: for
// llhttp's parser that is about 100 ms of CPU and 20 MB of memory, spent after the last request
// when the command is short (whoami: 0.39 s → 0.31 s) and on the second core during a listing.
// A tiering budget no CLI run reaches keeps llhttp in V8's baseline code (Liftoff), fast enough
// for HTTP. `--wasm-tiering-budget` is V8's tuning flag for this, in every Node.js this CLI
// supports. Set here, when the first HTTP client is made, and not at start-up: node:v8 and a
// changed flag set cost the commands that make no request (token, status --offline) 5-10 ms.
import v8 from 'node:v8';

/** Safe to call again: it sets the same value. */
export function keepLlhttpInBaselineCode(): void {
  v8.setFlagsFromString('--wasm-tiering-budget=2000000000');
}
