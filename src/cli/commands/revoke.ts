// `oauthcli revoke [provider]`: strict. Revoke at the provider first; only then forget locally.
// If revocation fails, the local copy stays, so the user can try again.
import { AppError, failure } from '../../errors.js';
import { describeAccount, forgetAccount, loginCommandFor, openSession, revokeAtProvider, selectOnlyAccount } from '../../session.js';
import { safeText } from '../output.js';
import type { World } from '../world.js';

export async function run(world: World, provider: string | undefined, opts: { hostname?: string; user?: string }): Promise<number> {
  // Destructive: with several accounts matching, refuse and list them rather than pick one.
  const account = selectOnlyAccount(world, { provider, hostname: opts.hostname, user: opts.user }, 'revoke');
  world.loginHint = loginCommandFor(world.providers.get(account.provider), account.host, world.env);
  // No refresh first: revoking is about the token we hold, whatever its expiry.
  const session = await openSession(world, { ...account, needsLogin: false }, { skipRefresh: true });
  if (account.storage === 'env') await forgetAccount(world, account); // says: unset the variable (exit 2)
  try {
    await revokeAtProvider(world, session);
  } catch (error) {
    const reason = error instanceof AppError ? error.message : String(error);
    throw failure(`could not revoke the token at ${account.host}: ${reason}. The account is still stored here; use oauthcli logout to forget it anyway.`, {
      code: 'revoke_failed',
      cause: error,
    });
  }
  await forgetAccount(world, account);
  world.info(`✓ Revoked the token at ${session.provider.displayName} and signed out of ${account.host} as ${safeText(describeAccount(account))}`);
  return 0;
}
