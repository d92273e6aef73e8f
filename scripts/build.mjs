// Bundles the CLI into dist/ with esbuild. Code splitting keeps start-up lean: the entry chunk
// answers --version on its own, and each command's heavy modules (undici, ora, conf, chalk, the
// keyring binding) live in chunks that only that command imports.
import { build } from 'esbuild';
import { readFileSync, rmSync } from 'node:fs';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
rmSync(new URL('../dist', import.meta.url), { recursive: true, force: true });

await build({
  entryPoints: { cli: 'src/cli/main.ts' },
  outdir: 'dist',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node22',
  sourcemap: 'linked',
  // The keyring is a native addon chosen per platform at run time: it cannot be bundled.
  external: ['@napi-rs/keyring'],
  define: { __OAUTHCLI_VERSION__: JSON.stringify(pkg.version) },
  // Bundled CommonJS dependencies call require(); give ESM chunks one.
  banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
  chunkNames: 'chunks/[name]-[hash]',
  logLevel: 'warning',
});
