// Which machines can run the keychain tests, and which test files are those. Read by
// vitest.config.ts (to leave the files out where no Secret Service can be started) and by the
// global setup (test/support/private-keyring.ts, which starts one where it can).
//
// A test file that needs the OS keychain says so in its first lines with the marker below.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

export const KEYCHAIN_MARKER = '@needs-keychain';

/** The Debian packages that make a Secret Service for the tests. */
export const KEYRING_PACKAGES = 'gnome-keyring dbus libsecret-tools';

/** The programs the suite's private Secret Service needs that this machine lacks (or a reason it is not to be used). */
export function missingKeyringPrograms(env: NodeJS.ProcessEnv = process.env): string[] {
  if (env.OAUTHCLI_TEST_KEYCHAIN === 'none') return ['OAUTHCLI_TEST_KEYCHAIN=none'];
  const onPath = (command: string) => spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
  return ['dbus-daemon', 'dbus-send', 'gnome-keyring-daemon', 'secret-tool'].filter((c) => !onPath(c));
}

/** Test files (relative to `root`) that carry the marker in their first 20 lines. */
export function keychainTestFiles(root: string): string[] {
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.test.ts') && readFileSync(path, 'utf8').split('\n', 20).some((line) => line.includes(KEYCHAIN_MARKER))) found.push(relative(root, path));
    }
  };
  walk(join(root, 'test'));
  return found.sort();
}
