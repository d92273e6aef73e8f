// Fails at once, in one line, on a Node.js older than the one oauthcli is built and tested for,
// rather than minutes into a build or a test run (package.json "engines", .npmrc engine-strict).
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 20)) {
  process.stderr.write(`oauthcli needs Node.js 22.20 or newer; this is ${process.version}. Install a current Node.js LTS (see README, "Install").\n`);
  process.exit(1);
}
