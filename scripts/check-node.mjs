// Fails at once, in one line, on a Node.js outside the range oauthcli is built and tested for
// (package.json "engines", .npmrc engine-strict), rather than minutes into a build or a test run.
// The upper bound is the newest major the suite has run on: src/v8-flags.ts sets V8 flags that a
// later V8 may not know.
import { readFileSync } from 'node:fs';

const range = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).engines.node;
const [, minMajor, minMinor, belowMajor] = /^>=(\d+)\.(\d+) <(\d+)$/.exec(range).map(Number);
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < minMajor || (major === minMajor && minor < minMinor)) {
  process.stderr.write(`oauthcli needs Node.js ${minMajor}.${minMinor} or newer; this is ${process.version}. Install a current Node.js LTS (see README, "Install").\n`);
  process.exit(1);
}
if (major >= belowMajor) {
  process.stderr.write(`oauthcli is tested on Node.js ${minMajor}.${minMinor} to ${belowMajor - 1}.x; this is ${process.version}. Install Node.js ${belowMajor - 1} (see README, "Install").\n`);
  process.exit(1);
}
