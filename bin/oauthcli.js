#!/usr/bin/env node
// Launcher: keep it tiny; everything else lives in the bundle.
import { statSync } from 'node:fs';
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
// NODE_DISABLE_COMPILE_CACHE=1 turns it off. Compiled code is run as it is found, so the cache is
// used only in a folder of the user's that nobody else may write.
const cacheDir = join(userCacheDir(), 'oauthcli');
if (!process.env.NODE_DISABLE_COMPILE_CACHE && (process.env.NODE_COMPILE_CACHE || ownFolder(cacheDir))) {
  try {
    module.enableCompileCache?.(process.env.NODE_COMPILE_CACHE || join(cacheDir, 'compile-cache'));
  } catch {
    // A cache we cannot use only costs speed.
  }
}
await import('../dist/cli.js');

/** Missing (Node makes it), or the user's and not writable by group or others. */
function ownFolder(dir) {
  try {
    const st = statSync(dir);
    return process.getuid === undefined || (st.uid === process.getuid() && (st.mode & 0o022) === 0);
  } catch {
    return true;
  }
}

function userCacheDir() {
  const env = process.env;
  if (process.platform === 'win32') return env.LOCALAPPDATA || join(homedir(), 'AppData', 'Local');
  if (process.platform === 'darwin') return join(homedir(), 'Library', 'Caches');
  return env.XDG_CACHE_HOME || join(homedir(), '.cache');
}
