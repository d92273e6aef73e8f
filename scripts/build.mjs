// Bundles the CLI into dist/ with esbuild. Code splitting keeps start-up lean: the entry chunk
// answers --version on its own, and each command's heavy modules (undici, ora, conf, chalk, the
// keyring binding) live in chunks that only that command imports.
//
// Files are replaced atomically (write to a temp name, rename), chunks before the entry, and
// stale chunks are removed only once a minute old: a CLI running while we rebuild never sees a
// half-written bundle, nor loses a chunk it is about to import.
import { build } from 'esbuild';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { prerenderHelp } from './prerender-help.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const outdir = join(root, 'dist');
// --clean (npm pack): nothing but this build's files, so no stale chunk is ever published.
if (process.argv.includes('--clean')) rmSync(outdir, { recursive: true, force: true });
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

const result = await build({
  absWorkingDir: root,
  entryPoints: { cli: 'src/cli/main.ts', 'docker-credential': 'src/cli/docker-credential.ts' },
  outdir,
  write: false,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node22',
  // Maps for our own debugging, without the sources in them; npm pack leaves them out (package.json "files").
  sourcemap: 'linked',
  sourcesContent: false,
  // The keyring is a native addon chosen per platform at run time: it cannot be bundled.
  external: ['@napi-rs/keyring'],
  define: { __OAUTHCLI_VERSION__: JSON.stringify(pkg.version) },
  // Bundled CommonJS dependencies call require(); give ESM chunks one.
  banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
  chunkNames: 'chunks/[name]-[hash]',
  // No comments or indentation: smaller chunks to read, and ASCII-only ones, which V8 holds as
  // one-byte strings (one "’" in an undici comment made its 1.4 MB chunk two-byte: 11 ms of
  // decoding on every start that needs HTTP). Names are kept, so stack traces stay readable;
  // licence comments go to a .LEGAL.txt file beside their chunk.
  minifyWhitespace: true,
  legalComments: 'external',
  logLevel: 'warning',
});

const isEntry = (path) => ['cli.js', 'docker-credential.js'].some((entry) => relative(outdir, path).startsWith(entry));
const files = [...result.outputFiles].sort((a, b) => Number(isEntry(a.path)) - Number(isEntry(b.path)));
for (const file of files) {
  mkdirSync(dirname(file.path), { recursive: true });
  const tmp = `${file.path}.${process.pid}.tmp`;
  writeFileSync(tmp, file.contents);
  renameSync(tmp, file.path);
}
const keep = new Set(files.map((f) => f.path));
keep.add(prerenderHelp(outdir));
for (const dir of [outdir, join(outdir, 'chunks')]) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (name === 'chunks' || keep.has(path) || name.endsWith('.tmp')) continue;
    if (Date.now() - statSync(path).mtimeMs > 60_000) rmSync(path, { force: true });
  }
}
