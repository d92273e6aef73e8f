// `oauthcli logout [provider]`: the user wants this machine to lose access. Always forget
// locally; revoke at the provider when we can, and say plainly what happened there.
// `--all` does that for every linked identity.
import { AppError, usageError } from '../../errors.js';
import { forgetAccount, withAccount } from '../../session/account-changes.js';
import { describeAccount, selectOnlyAccount } from '../../session/account-choice.js';
import { clientCredentials, configuredTenant } from '../../session/client-credentials.js';
import { openSession } from '../../session/open-session.js';
import { revokeAtProvider } from '../../session/revoke.js';
import type { AccountMeta } from '../../store/accounts.js';
import { isRevocationRefused, whatStaysValid } from '../revocation-refused.js';
import { safeText } from '../terminal/safe-text.js';
import type { World } from '../world.js';

export interface LogoutOptions {
  hostname?: string;
  user?: string;
  keepRemote?: boolean;
  all?: boolean;
}

export async function run(world: World, providerName: string | undefined, opts: LogoutOptions): Promise<number> {
  if (opts.all && (providerName || opts.hostname || opts.user)) throw usageError('--all signs out of every account: do not name one');
  // Destructive: with several accounts matching, refuse and list them rather than pick one.
  const accounts = opts.all ? world.accounts.list() : [selectOnlyAccount(world, { provider: providerName, hostname: opts.hostname, user: opts.user }, 'logout')];
  if (accounts.length === 0) {
    world.info('No accounts are signed in.');
    return 0;
  }
  let code = 0;
  for (const account of accounts) code = Math.max(code, await logoutOne(world, account, Boolean(opts.keepRemote)));
  return code;
}

/** Exit 1 when the token still works at the provider after revoking it; else 0. */
async function logoutOne(world: World, account: AccountMeta, keepRemote: boolean): Promise<number> {
  if (account.storage === 'env') await forgetAccount(world, account); // says: unset the variable (exit 2)
  const provider = world.providers.get(account.provider);
  // Under the account's lock: a refresh in flight finishes first, and the tokens it got are the ones revoked.
  const onWait = () => world.info(`Waiting for another oauthcli process that is refreshing the token of ${safeText(describeAccount(account))}…`);
  const outcome = await withAccount(
    world,
    account,
    async (now) => {
      if (!now) return undefined;
      const session = await openSession(world, { ...now, needsLogin: false }, { skipRefresh: true }).catch((error: unknown) => {
        if (error instanceof AppError && (error.kind === 'interrupted' || error.code === 'keychain_unavailable')) throw error;
        return undefined;
      });
      let remote: string;
      let stillValid = false;
      let refused: string | undefined;
      if (keepRemote) remote = 'kept at the provider (--keep-remote)';
      else if (!session) remote = 'not revoked: no token was found in storage';
      else {
        try {
          await revokeAtProvider(world, session);
          remote = `revoked at ${provider.displayName}`;
        } catch (error) {
          if (error instanceof AppError && error.kind === 'interrupted') throw error;
          stillValid = error instanceof AppError && error.code === 'token_still_valid';
          if (isRevocationRefused(error)) refused = `${error.message}. The tokens are forgotten here; ${await whatStaysValid(session, clientCredentials(world, provider, now).clientId)}`;
          remote = `not revoked: ${error instanceof AppError ? error.message : String(error)}`;
        }
      }
      await forgetAccount(world, now);
      return { remote, stillValid, refused };
    },
    { onWait },
  );
  world.info(`✓ Signed out of ${account.host} as ${safeText(describeAccount(account))}`);
  if (!outcome) return 0; // another process signed it out meanwhile
  const { remote, stillValid, refused } = outcome;
  if (remote.startsWith('revoked')) {
    world.info(`✓ The token was ${remote}.`);
    return 0;
  }
  if (refused) {
    world.info(`! The token was not revoked: ${safeText(refused)}.`);
    return 0;
  }
  const { clientId } = clientCredentials(world, provider, account);
  const url = await world
    .http()
    .then((http) => provider.endpoints(account.host, http, world.signal, account.tenant ?? configuredTenant(world, provider)))
    .then((endpoints) => provider.revokeByHandUrl(endpoints, clientId ?? ''))
    .catch(() => undefined);
  const where = url ? `: revoke it at ${safeText(url)}` : '.';
  if (stillValid) {
    world.info(`! The token still works at ${provider.displayName}: it was not revoked (it may not have been issued by this OAuth app)${where}`);
    return 1;
  }
  world.info(`! The token was ${safeText(remote)}. It may still be valid at ${provider.displayName}${where}`);
  return 0;
}
