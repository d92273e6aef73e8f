#!/usr/bin/env node
// Launcher: keep it tiny; everything else lives in the bundle.
import module from 'node:module';
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
await import('../dist/cli.js');

function userCacheDir() {
  const env = process.env;
  if (process.platform === 'win32') return env.LOCALAPPDATA || join(homedir(), 'AppData', 'Local');
  if (process.platform === 'darwin') return join(homedir(), 'Library', 'Caches');
  return env.XDG_CACHE_HOME || join(homedir(), '.cache');
}
