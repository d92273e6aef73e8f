// Changes to an account another process may be refreshing at the same moment, made under the
// account's lock: making it the active one, forgetting it on this machine.
import { notSignedIn, usageError } from '../errors.js';
import type { AccountMeta } from '../store/accounts.js';
import { accountLockHeld, withAccountLock } from '../store/lock.js';
import type { SessionDeps } from './deps.js';

/**
 * Runs `run` holding the account's lock (the one a refresh holds), with the config read again
 * under it: `run` gets the account as it is now, or undefined when another process removed it.
 * `onWait` is called first when another process holds the lock (a refresh in flight).
 */
export async function withAccount<T>(
  deps: SessionDeps,
  account: AccountMeta,
  run: (now: AccountMeta | undefined) => Promise<T>,
  options: { onWait?: () => void } = {},
): Promise<T> {
  if (account.storage === 'env') return run(account);
  if (options.onWait && (await accountLockHeld(deps.configDir, account.key))) options.onWait();
  return withAccountLock(deps.configDir, account.key, async () => {
    deps.accounts.reload();
    return run(deps.accounts.get(account.key));
  });
}

/** Makes the account the active and current one, under its lock; refuses one another process removed meanwhile. */
export async function activateAccount(deps: SessionDeps, account: AccountMeta, onWait?: () => void): Promise<void> {
  await withAccount(
    deps,
    account,
    async (now) => {
      if (!now) throw notSignedIn(`${account.login} on ${account.host} was signed out by another oauthcli process meanwhile`, 'no_account');
      await deps.accounts.setActive(now);
    },
    onWait ? { onWait } : {},
  );
}

/** Forgets an account on this machine: its tokens, then its metadata. Call it under the account's lock (`withAccount`). */
export async function forgetAccount(deps: SessionDeps, account: AccountMeta): Promise<void> {
  if (account.storage === 'env') throw usageError(`the token comes from ${account.envVar ?? `OAUTHCLI_${deps.providers.get(account.provider).envName}_TOKEN`}: unset that variable instead`, 'env_token');
  await deps.secrets(account.storage).delete(account.key);
  await deps.accounts.remove(account.key);
}
