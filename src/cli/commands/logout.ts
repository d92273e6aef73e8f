// `oauthcli logout [provider]`: the user wants this machine to lose access. Always forget
// locally; revoke at the provider when we can, and say plainly what happened there.
// `--all` does that for every linked identity.
import { AppError, usageError } from '../../errors.js';
import { clientCredentials, describeAccount, forgetAccount, openSession, revokeAtProvider, selectOnlyAccount } from '../../session.js';
import type { AccountMeta } from '../../store/accounts.js';
import { safeText } from '../output.js';
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
  for (const account of accounts) await logoutOne(world, account, Boolean(opts.keepRemote));
  return 0;
}

async function logoutOne(world: World, account: AccountMeta, keepRemote: boolean): Promise<void> {
  if (account.storage === 'env') await forgetAccount(world, account); // says: unset the variable (exit 2)
  const provider = world.providers.get(account.provider);
  const session = await openSession(world, { ...account, needsLogin: false }, { skipRefresh: true }).catch((error: unknown) => {
    if (error instanceof AppError && (error.kind === 'interrupted' || error.code === 'keychain_unavailable')) throw error;
    return undefined;
  });

  let remote: string;
  if (keepRemote) remote = 'kept at the provider (--keep-remote)';
  else if (!session) remote = 'not revoked: no token was found in storage';
  else {
    try {
      await revokeAtProvider(world, session);
      remote = `revoked at ${provider.displayName}`;
    } catch (error) {
      if (error instanceof AppError && error.kind === 'interrupted') throw error;
      remote = `not revoked: ${error instanceof AppError ? error.message : String(error)}`;
    }
  }
  await forgetAccount(world, account);
  world.info(`✓ Signed out of ${account.host} as ${safeText(describeAccount(account))}`);
  if (remote.startsWith('revoked')) {
    world.info(`✓ The token was ${remote}.`);
    return;
  }
  const { clientId } = clientCredentials(world, provider, account);
  const url = await world
    .http()
    .then((http) => provider.endpoints(account.host, http, world.signal))
    .then((endpoints) => provider.revokeByHandUrl(endpoints, clientId ?? ''))
    .catch(() => undefined);
  world.info(`! The token was ${safeText(remote)}. It may still be valid at ${provider.displayName}${url ? `: revoke it at ${safeText(url)}` : '.'}`);
}
