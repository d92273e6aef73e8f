import { readFileSync } from 'node:fs';
import { defineConfig } from 'vitest/config';
import { keychainTestFiles, missingKeyringPrograms } from './test/support/keychain-files.ts';

const pkg = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8')) as { version: string };

export default defineConfig({
  define: { __OAUTHCLI_VERSION__: JSON.stringify(pkg.version) },
  test: {
    include: ['test/**/*.test.ts'],
    // Without Secret Service software the files that need the OS keychain are left out; the
    // global setup says so in one line, with the packages to install.
    exclude: missingKeyringPrograms().length > 0 ? keychainTestFiles(import.meta.dirname) : [],
    // The suite's own Secret Service and HOME: never the user's keyring (test/support/private-keyring.ts).
    globalSetup: ['test/support/private-keyring.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // End-to-end tests spawn the CLI, servers and a browser; the machines have two cores.
    maxWorkers: 4,
  },
});
