// `oauthcli refresh [provider]`: a refresh-token grant now, whatever the expiry.
import { openSession } from '../../session.js';
import { formatExpiry, writeResult } from '../output.js';
import type { World } from '../world.js';

export async function run(world: World, provider: string | undefined, opts: { hostname?: string; user?: string }): Promise<number> {
  const account = world.selectAccount({ provider, hostname: opts.hostname, user: opts.user });
  const { tokens } = await openSession(world, account, { forceRefresh: true });
  world.rememberSecret(tokens.accessToken);
  world.rememberSecret(tokens.refreshToken);
  await writeResult(world, `Refreshed the token for ${account.login} on ${account.host}: ${formatExpiry(tokens.expiresAt)}\n`);
  return 0;
}
