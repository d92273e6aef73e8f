// `storage migrate`: moves accounts' tokens from the store they are in to another, without
// signing in again. Each account moves under its own lock (the one a refresh takes, so no refresh
// spends a refresh token halfway through a move): the new store is written first, then the
// account's metadata points at it, then the old copy is deleted. Running it again is harmless: an
// account already in the target store is left as it is, and a copy a broken earlier run left in
// the pass store or the file is removed.
import { AppError, failure, notSignedIn } from '../errors.js';
import type { AccountMeta, AccountStore } from './accounts.js';
import type { StoredKind } from './choose-storage.js';
import { withAccountLock } from './lock.js';
import type { SecretStore } from './secrets.js';

export interface MigrateDeps {
  accounts: AccountStore;
  configDir: string;
  secrets(kind: StoredKind): SecretStore;
  /** Remembers a secret so that nothing the process prints can show it. */
  rememberSecret(value: string | undefined): void;
}

export type Migration =
  | { account: AccountMeta; outcome: 'moved'; from: StoredKind }
  | { account: AccountMeta; outcome: 'already' }
  /** Moved, but the old copy could not be deleted (`error` says why). */
  | { account: AccountMeta; outcome: 'left-behind'; from: StoredKind; error: AppError }
  | { account: AccountMeta; outcome: 'failed'; error: AppError };

/** Stores whose leftovers can be removed without a prompt or a daemon: a file each. */
const QUIET_STORES: readonly StoredKind[] = ['pass', 'insecure-file'];

export async function migrateAccount(deps: MigrateDeps, account: AccountMeta, to: StoredKind): Promise<Migration> {
  if (account.storage === 'env') return { account, outcome: 'failed', error: failure('a token from the environment is not stored by oauthcli') };
  try {
    return await withAccountLock(deps.configDir, account.key, () => migrateLocked(deps, account.key, to));
  } catch (error) {
    return { account, outcome: 'failed', error: asAppError(error) };
  }
}

async function migrateLocked(deps: MigrateDeps, key: string, to: StoredKind): Promise<Migration> {
  // The metadata as it is now, under the lock: another process may have moved or removed it.
  const account = deps.accounts.get(key);
  if (!account || account.storage === 'env') throw notSignedIn(`the account ${key} is no longer signed in`, 'no_account');
  const target = deps.secrets(to);
  if (account.storage === to) {
    for (const other of QUIET_STORES) if (other !== to) await deps.secrets(other).delete(key).catch(() => false);
    return { account, outcome: 'already' };
  }
  const from = account.storage;
  const source = deps.secrets(from);
  let tokens = await source.get(key);
  if (!tokens) {
    // An earlier run that stopped after writing the new store: the tokens are there already.
    tokens = await target.get(key);
    if (!tokens) throw notSignedIn(`${describeStore(from)} has no token for it; sign in again with oauthcli login`, 'no_token');
  }
  deps.rememberSecret(tokens.accessToken);
  deps.rememberSecret(tokens.refreshToken);
  await target.set(key, tokens);
  await deps.accounts.setStorage(key, to);
  const moved = { ...account, storage: to };
  try {
    await source.delete(key);
  } catch (error) {
    return { account: moved, outcome: 'left-behind', from, error: asAppError(error) };
  }
  return { account: moved, outcome: 'moved', from };
}

export function describeStore(kind: StoredKind): string {
  return kind === 'keychain' ? 'the OS keychain' : kind === 'pass' ? 'the pass store' : 'the insecure token file';
}

function asAppError(error: unknown): AppError {
  return error instanceof AppError ? error : failure(error instanceof Error ? error.message : String(error));
}
