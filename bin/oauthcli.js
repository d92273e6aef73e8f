#!/usr/bin/env node
// Launcher: keep it tiny; everything else lives in the bundle.
import module from 'node:module';
import v8 from 'node:v8';
import { homedir } from 'node:os';
import { join } from 'node:path';

const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 20)) {
  process.stderr.write(`oauthcli needs Node.js 22.20 or newer (this is ${process.version}).\n`);
  process.exit(1);
}
// V8 keeps the bundle's compiled code between runs: start-up is part of the product. The cache is
// the user's own (not the shared temp folder); NODE_COMPILE_CACHE picks another folder and
// NODE_DISABLE_COMPILE_CACHE=1 turns it off.
if (!process.env.NODE_DISABLE_COMPILE_CACHE) {
  try {
    module.enableCompileCache?.(process.env.NODE_COMPILE_CACHE || join(userCacheDir(), 'oauthcli', 'compile-cache'));
  } catch {
    // A cache we cannot use only costs speed.
  }
}
// undici parses HTTP with llhttp compiled to WebAssembly. V8 recompiles a hot wasm function with
// its optimising compiler in the background, and a process cannot exit before that job ends:
// for llhttp's parser that is about 100 ms of CPU and 20 MB of memory, spent after the last
// request when the command is short (whoami: 0.39 s → 0.31 s) and on the second core during a
// listing. A budget no CLI run reaches keeps llhttp in V8's baseline code (Liftoff), which is
// fast enough for HTTP headers. (`--wasm-tiering-budget` is V8's public tuning flag for this,
// in every Node.js this CLI supports; jq's WebAssembly, for --jq, is just as short-lived.)
v8.setFlagsFromString('--wasm-tiering-budget=2000000000');
await import('../dist/cli.js');

function userCacheDir() {
  const env = process.env;
  if (process.platform === 'win32') return env.LOCALAPPDATA || join(homedir(), 'AppData', 'Local');
  if (process.platform === 'darwin') return join(homedir(), 'Library', 'Caches');
  return env.XDG_CACHE_HOME || join(homedir(), '.cache');
}
