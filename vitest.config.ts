import { readFileSync } from 'node:fs';
import { defineConfig } from 'vitest/config';

const pkg = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8')) as { version: string };

export default defineConfig({
  define: { __OAUTHCLI_VERSION__: JSON.stringify(pkg.version) },
  test: {
    include: ['test/**/*.test.ts'],
    // The suite's own Secret Service and HOME: never the user's keyring (test/support/private-keyring.ts).
    globalSetup: ['test/support/private-keyring.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // End-to-end tests spawn the CLI, servers and a browser; the machines have two cores.
    maxWorkers: 4,
  },
});
