// `oauthcli logout [provider]`: forget the account on this machine.
import { selectAccount } from '../../session.js';
import { accountKey } from '../../store/accounts.js';
import { clientCredentials } from '../../session.js';
import { getProvider } from '../../providers/registry.js';
import type { World } from '../world.js';

export interface LogoutOptions {
  hostname?: string;
  user?: string;
  keepRemote?: boolean;
}

export async function run(world: World, providerName: string | undefined, opts: LogoutOptions): Promise<number> {
  const account = selectAccount(world.accounts, { provider: providerName, hostname: opts.hostname, user: opts.user });
  const provider = getProvider(account.provider);
  const key = accountKey(account);
  await world.secrets(account.storage).delete(key);
  world.accounts.remove(key);
  world.info(`✓ Signed out of ${account.host} as ${account.login}`);
  const { clientId } = clientCredentials(world, provider);
  const url = provider.revokeByHandUrl(provider.endpoints(account.host), clientId ?? '');
  world.info(`! The token is still valid at ${provider.displayName}. Revoke it at ${url}`);
  return 0;
}
