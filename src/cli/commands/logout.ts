// `oauthcli logout [provider]`: the user wants this machine to lose access. Always forget
// locally; revoke at the provider when we can, and say plainly what happened there.
// `--all` does that for every linked identity.
import { AppError, usageError } from '../../errors.js';
import { accountKey, type AccountMeta } from '../../store/accounts.js';
import { clientCredentials, forgetAccount, revokeAtProvider } from '../../session.js';
import type { World } from '../world.js';

export interface LogoutOptions {
  hostname?: string;
  user?: string;
  keepRemote?: boolean;
  all?: boolean;
}

export async function run(world: World, providerName: string | undefined, opts: LogoutOptions): Promise<number> {
  if (opts.all && (providerName || opts.hostname || opts.user)) throw usageError('--all signs out of every account: do not name one');
  const accounts = opts.all ? world.accounts.list() : [world.selectAccount({ provider: providerName, hostname: opts.hostname, user: opts.user })];
  if (accounts.length === 0) {
    world.info('No accounts are signed in.');
    return 0;
  }
  for (const account of accounts) await logoutOne(world, account, Boolean(opts.keepRemote));
  return 0;
}

async function logoutOne(world: World, account: AccountMeta, keepRemote: boolean): Promise<void> {
  const provider = world.providers.get(account.provider);
  const tokens = await world.secrets(account.storage).get(accountKey(account)).catch(() => undefined);
  world.rememberSecret(tokens?.accessToken);
  world.rememberSecret(tokens?.refreshToken);

  let remote: string;
  if (keepRemote) remote = 'kept at the provider (--keep-remote)';
  else if (!tokens) remote = 'not revoked: no token was found in storage';
  else {
    try {
      await revokeAtProvider(world, { account, provider, tokens });
      remote = `revoked at ${provider.displayName}`;
    } catch (error) {
      if (error instanceof AppError && error.kind === 'interrupted') throw error;
      remote = `not revoked: ${error instanceof AppError ? error.message : String(error)}`;
    }
  }
  await forgetAccount(world, account);
  world.info(`✓ Signed out of ${account.host} as ${account.login}`);
  if (remote.startsWith('revoked')) {
    world.info(`✓ The token was ${remote}.`);
    return;
  }
  const { clientId } = clientCredentials(world, provider);
  const http = await world.http();
  const url = await provider
    .endpoints(account.host, http, world.signal)
    .then((endpoints) => provider.revokeByHandUrl(endpoints, clientId ?? ''))
    .catch(() => undefined);
  world.info(`! The token was ${remote}. It may still be valid at ${provider.displayName}${url ? `: revoke it at ${url}` : '.'}`);
}
