// What an in-process test of one command needs besides the test world: a world that is cleaned
// up when the test ends, accounts stored as a sign-in leaves them, and the command's exit code
// as the program gives it (src/cli/run-command.ts): its own, or the one line on stderr and the
// exit code that its error becomes (src/cli/errors.ts).
import { onTestFinished } from 'vitest';
import { reportError } from '../../src/cli/errors.js';
import type { AccountMeta } from '../../src/store/accounts.js';
import type { TokenSet } from '../../src/token-set.js';
import { testWorld, type TestWorld, type TestWorldOptions } from './test-world.js';

/** A test world removed when the current test finishes. */
export function commandWorld(options: TestWorldOptions = {}): TestWorld {
  const t = testWorld(options);
  onTestFinished(() => t.cleanup());
  return t;
}

/** Runs `body` (a command's run) as the program does; `command` names it in usage errors' "--help" line. */
export async function exitCodeOf(t: TestWorld, body: () => Promise<number>, command?: string): Promise<number> {
  try {
    return await body();
  } catch (error) {
    return reportError(error, { stderr: t.world.stderr, debug: false, redact: t.world.redact, loginHint: t.world.loginHint, command });
  }
}

/** An account's metadata as login stores it; `key` follows provider, host and login. */
export function accountMeta(provider: string, host: string, login: string, extra: Partial<AccountMeta> = {}): AccountMeta {
  return { key: `${provider}:${host}:${login}`, provider, host, login, id: '1', scopes: [], storage: 'keychain', signedInAt: '2026-12-01T00:00:00Z', ...extra };
}

/** Stores `tokens` in the world's keychain and `meta` as the active account, as a sign-in does. */
export async function storeAccount(t: TestWorld, meta: AccountMeta, tokens: TokenSet): Promise<AccountMeta> {
  await t.world.secrets('keychain').set(meta.key, tokens);
  await t.world.accounts.saveActive(meta);
  return t.world.accounts.get(meta.key)!;
}

/** A time `minutes` from now, as an ISO-8601 string (negative: in the past). */
export const inMinutes = (minutes: number): string => new Date(Date.now() + minutes * 60_000).toISOString();
