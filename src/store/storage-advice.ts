// What this machine can use when the OS keychain cannot be used, for the error `login` shows:
// looked up only then (it may run gpg).
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runGpg } from './gpg.js';
import { passStoreDir, PASS_FOLDER } from './pass-store.js';

export interface MachineFacts {
  env: NodeJS.ProcessEnv;
  home: string;
  /** The text of /proc/version, where there is one. */
  procVersion?: string | undefined;
}

/**
 * What this machine can use instead of an unavailable keychain, best first: a password store
 * that is set up; a GPG secret key that could set one up; the 0600 file. Plus a line for WSL,
 * whose Linux side cannot reach the Windows Credential Manager.
 */
export async function keychainAdvice(facts: MachineFacts): Promise<{ advice: string; hints: string[] }> {
  const hints = /microsoft|wsl/i.test(facts.procVersion ?? '')
    ? ['On WSL the Windows Credential Manager cannot be reached from Linux programs: pass (gpg) is the store to use here.']
    : [];
  const dir = passStoreDir(facts.env, facts.home);
  if ((await exists(join(dir, '.gpg-id'))) || (await exists(join(dir, PASS_FOLDER, '.gpg-id')))) {
    return { advice: `A password store is set up at ${dir}: run login again with --storage pass (or --insecure-storage for a plain file).`, hints };
  }
  const key = await secretKey(facts.env);
  if (key) {
    return { advice: `Your GPG key ${key} can keep them encrypted: run pass init ${key}, then login again with --storage pass (or --insecure-storage for a plain file).`, hints };
  }
  return {
    advice: 'Start and unlock a keyring (a Secret Service such as GNOME Keyring or KWallet), or run login with --insecure-storage (--storage file) to keep tokens in a file only you can read.',
    hints,
  };
}

async function exists(path: string): Promise<boolean> {
  return readFile(path).then(
    () => true,
    () => false,
  );
}

/** The fingerprint of the first secret key that can encrypt, if gpg is there and has one. */
async function secretKey(env: NodeJS.ProcessEnv): Promise<string | undefined> {
  try {
    const run = await runGpg(['--batch', '--with-colons', '--list-secret-keys'], { env, timeoutMs: 5_000 });
    let usable = false;
    for (const line of run.stdout.toString('utf8').split('\n')) {
      const fields = line.split(':');
      // sec: field 2 is validity (r revoked, e expired), field 12 the whole key's capabilities (E: can encrypt).
      if (fields[0] === 'sec') usable = !/[re]/.test(fields[1] ?? '') && (fields[11] ?? '').includes('E');
      else if (fields[0] === 'fpr' && usable) return fields[9];
    }
  } catch {
    // no gpg: the file, then
  }
  return undefined;
}
