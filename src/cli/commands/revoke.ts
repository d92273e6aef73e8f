// `oauthcli revoke [provider]`: strict. Revoke at the provider first; only then forget locally.
// If revocation fails, the local copy stays, so the user can try again. It all runs under the
// account's lock, so a refresh in flight finishes first and its new tokens are the ones revoked.
import { AppError, failure, notSignedIn } from '../../errors.js';
import { forgetAccount, withAccount } from '../../session/account-changes.js';
import { describeAccount, selectOnlyAccount } from '../../session/account-choice.js';
import { clientCredentials } from '../../session/client-credentials.js';
import { openSession } from '../../session/open-session.js';
import { revokeAtProvider } from '../../session/revoke.js';
import { loginCommandFor } from '../../session/sign-in-needed.js';
import { isRevocationRefused, whatStaysValid } from '../revocation-refused.js';
import { safeText } from '../terminal/safe-text.js';
import type { World } from '../world.js';

export async function run(world: World, provider: string | undefined, opts: { hostname?: string; user?: string }): Promise<number> {
  // Destructive: with several accounts matching, refuse and list them rather than pick one.
  const account = selectOnlyAccount(world, { provider, hostname: opts.hostname, user: opts.user }, 'revoke');
  world.loginHint = loginCommandFor(world.providers.get(account.provider), account.host, world.env);
  const onWait = () => world.info(`Waiting for another oauthcli process that is refreshing the token of ${safeText(describeAccount(account))}…`);
  const session = await withAccount(
    world,
    account,
    async (now) => {
      if (!now) throw notSignedIn(`${describeAccount(account)} on ${account.host} was signed out by another oauthcli process meanwhile`, 'no_account');
      // No refresh first: revoking is about the token we hold, whatever its expiry.
      const session = await openSession(world, { ...now, needsLogin: false }, { skipRefresh: true });
      if (account.storage === 'env') await forgetAccount(world, account); // says: unset the variable (exit 2)
      try {
        await revokeAtProvider(world, session);
      } catch (error) {
        if (isRevocationRefused(error)) {
          const { clientId } = clientCredentials(world, session.provider, now);
          throw failure(
            `nothing was revoked: ${error.message}. The account is still stored here; oauthcli logout ${account.provider} forgets its tokens, and then ${await whatStaysValid(session, clientId)}`,
            { code: error.code, cause: error },
          );
        }
        const reason = error instanceof AppError ? error.message : String(error);
        const byHand = error instanceof AppError && (error.code === 'token_still_valid' || error.code === 'revoke_unconfirmed') ? await revokeByHand(world, session) : '';
        throw failure(`could not revoke the token at ${account.host}: ${reason}.${byHand} The account is still stored here; use oauthcli logout to forget it anyway.`, {
          code: 'revoke_failed',
          cause: error,
        });
      }
      await forgetAccount(world, now);
      return session;
    },
    { onWait },
  );
  world.info(`✓ Revoked the token at ${session.provider.displayName} and signed out of ${account.host} as ${safeText(describeAccount(account))}`);
  return 0;
}

/** " Revoke it by hand at URL." where the provider has such a page. */
async function revokeByHand(world: World, session: Awaited<ReturnType<typeof openSession>>): Promise<string> {
  const { clientId } = clientCredentials(world, session.provider, session.account);
  const url = await session
    .endpoints()
    .then((endpoints) => session.provider.revokeByHandUrl(endpoints, clientId ?? ''))
    .catch(() => undefined);
  return url ? ` Revoke it by hand at ${url}.` : '';
}
