#!/usr/bin/env node
// Launcher: keep it tiny; everything else lives in the bundle.
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 20)) {
  process.stderr.write(`oauthcli needs Node.js 22.20 or newer (this is ${process.version}).\n`);
  process.exit(1);
}
await import('../dist/cli.js');
