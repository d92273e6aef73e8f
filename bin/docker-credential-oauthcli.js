#!/usr/bin/env node
// Launcher of docker's credential helper (docker runs `docker-credential-oauthcli get`); keep it
// tiny: the protocol lives in the bundle (dist/docker-credential.js).
import module from 'node:module';
import { homedir } from 'node:os';
import { join } from 'node:path';

const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 20)) {
  // docker shows a helper's stdout, not its stderr.
  process.stdout.write(`docker-credential-oauthcli needs Node.js 22.20 or newer (this is ${process.version}).\n`);
  process.exit(1);
}
if (!process.env.NODE_DISABLE_COMPILE_CACHE) {
  try {
    module.enableCompileCache?.(process.env.NODE_COMPILE_CACHE || join(userCacheDir(), 'oauthcli', 'compile-cache'));
  } catch {
    // A cache we cannot use only costs speed.
  }
}
await import('../dist/docker-credential.js');

function userCacheDir() {
  const env = process.env;
  if (process.platform === 'win32') return env.LOCALAPPDATA || join(homedir(), 'AppData', 'Local');
  if (process.platform === 'darwin') return join(homedir(), 'Library', 'Caches');
  return env.XDG_CACHE_HOME || join(homedir(), '.cache');
}
