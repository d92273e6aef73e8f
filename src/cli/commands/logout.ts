// `oauthcli logout [provider]`: the user wants this machine to lose access. Always forget
// locally; revoke at the provider when we can, and say plainly what happened there.
import { AppError } from '../../errors.js';
import { accountKey } from '../../store/accounts.js';
import { clientCredentials, forgetAccount, revokeAtProvider } from '../../session.js';
import { getProvider } from '../../providers/registry.js';
import type { World } from '../world.js';

export interface LogoutOptions {
  hostname?: string;
  user?: string;
  keepRemote?: boolean;
}

export async function run(world: World, providerName: string | undefined, opts: LogoutOptions): Promise<number> {
  const account = world.selectAccount({ provider: providerName, hostname: opts.hostname, user: opts.user });
  const provider = getProvider(account.provider);
  const tokens = await world.secrets(account.storage).get(accountKey(account)).catch(() => undefined);
  world.rememberSecret(tokens?.accessToken);
  world.rememberSecret(tokens?.refreshToken);

  let remote: string;
  if (opts.keepRemote) remote = 'kept at the provider (--keep-remote)';
  else if (!tokens) remote = 'not revoked: no token was found in storage';
  else {
    try {
      await revokeAtProvider(world, { account, provider, tokens });
      remote = `revoked at ${provider.displayName}`;
    } catch (error) {
      remote = `not revoked: ${error instanceof AppError ? error.message : String(error)}`;
    }
  }
  await forgetAccount(world, account);
  world.info(`✓ Signed out of ${account.host} as ${account.login}`);
  if (remote.startsWith('revoked')) {
    world.info(`✓ The token was ${remote}.`);
  } else {
    const { clientId } = clientCredentials(world, provider);
    const url = provider.revokeByHandUrl(provider.endpoints(account.host), clientId ?? '');
    world.info(`! The token was ${remote}. It may still be valid at ${provider.displayName}: revoke it at ${url}`);
  }
  return 0;
}
