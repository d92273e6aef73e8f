// Start-up is part of the product (see bench/run.mjs and test/e2e/startup.test.ts). Here: esbuild
// plugins that keep code out of the paths a command runs but never uses, and the pre-rendered
// `--help` that the entry chunk answers with, as it answers `--version`, before commander loads.
//
// - commander imports node:child_process at load time (for executable subcommands, which we do
//   not have); loading it pulls in node:net and the stream machinery before `--help` can answer.
//   Here it is required only if commander ever spawns.
// - conf imports ajv (+ ajv-formats, fast-uri) and semver at load time, for JSON-schema validation
//   and migrations. src/store/accounts.ts uses neither, and they are ~400 KB of the config chunk
//   that every command loads. Here they are stubs that throw a clear error if a schema or a
//   migration is ever configured: remove the stub to use one.
// - undici's client loads its HTTP/2 half (and node:http2, ~5 ms) at load time; here it loads
//   when a connection first negotiates h2. If undici's source no longer has the line this
//   rewrites, the build warns and bundles it unchanged.

import { spawnSync } from 'node:child_process';
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const LAZY_CHILD_PROCESS = `
import { createRequire } from 'node:module';
const load = () => createRequire(import.meta.url)('node:child_process');
export default { spawn: (...args) => load().spawn(...args) };
`;

const unavailable = (what) => `
const fail = () => { throw new Error(${JSON.stringify(
  `oauthcli: conf's ${what} is left out of the bundle to keep start-up lean; remove its stub in scripts/lean-bundle.mjs to use it`,
)}); };
`;

const STUBS = {
  'ajv/dist/2020.js': `${unavailable('JSON-schema support (ajv)')}export class Ajv2020 { constructor() { fail(); } }\nexport default Ajv2020;\n`,
  'ajv-formats': `${unavailable('JSON-schema support (ajv-formats)')}export default function ajvFormats() { fail(); }\n`,
  semver: `${unavailable('migration support (semver)')}const semver = new Proxy({}, { get: () => fail });\nexport default semver;\n`,
};

const from = (pkg, importer) => new RegExp(`[\\\\/]node_modules[\\\\/]${pkg}[\\\\/]`).test(importer);

/** @type {import('esbuild').Plugin[]} */
export const leanBundle = [
  {
    name: 'oauthcli-lean-bundle',
    setup(build) {
      build.onResolve({ filter: /^(node:)?child_process$/ }, (args) =>
        from('commander', args.importer) ? { path: 'child_process', namespace: 'oauthcli-lazy' } : undefined,
      );
      build.onResolve({ filter: /^(ajv\/dist\/2020\.js|ajv-formats|semver)$/ }, (args) =>
        from('conf', args.importer) ? { path: args.path, namespace: 'oauthcli-stub' } : undefined,
      );
      build.onLoad({ filter: /[\\/]node_modules[\\/]undici[\\/]lib[\\/]dispatcher[\\/]client\.js$/ }, (args) => {
        const source = readFileSync(args.path, 'utf8');
        const eager = "const connectH2 = require('./client-h2.js')";
        if (!source.includes(eager)) {
          return { contents: source, loader: 'js', warnings: [{ text: `oauthcli-lean-bundle: "${eager}" not found; HTTP/2 stays eager` }] };
        }
        return { contents: source.replace(eager, "const connectH2 = (...args) => require('./client-h2.js')(...args)"), loader: 'js' };
      });
      build.onLoad({ filter: /.*/, namespace: 'oauthcli-lazy' }, () => ({ contents: LAZY_CHILD_PROCESS, loader: 'js' }));
      build.onLoad({ filter: /.*/, namespace: 'oauthcli-stub' }, (args) => ({ contents: STUBS[args.path], loader: 'js' }));
    },
  },
];

/**
 * Writes `dist/help.txt`: `oauthcli --help` exactly as commander prints it into a pipe (80
 * columns). src/cli/main.ts prints it for `--help`/`-h` when stdout is not a terminal; on a
 * terminal commander renders help for the terminal's width. Returns the file's path.
 */
export function prerenderHelp(outdir) {
  const path = join(outdir, 'help.txt');
  // Without the file the entry asks commander, both for the run below and for any CLI started meanwhile.
  rmSync(path, { force: true });
  const res = spawnSync(process.execPath, [join(outdir, 'cli.js'), '--help'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (res.status !== 0 || !res.stdout.startsWith('Usage:')) throw new Error(`could not pre-render --help (exit ${res.status}): ${res.stderr}`);
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, res.stdout);
  renameSync(tmp, path);
  return path;
}
