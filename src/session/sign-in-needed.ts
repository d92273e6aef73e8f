// Not signed in: the command that signs in to a provider's host, and the errors that send the
// user there (a sign-in the provider refused, a token removed outside oauthcli).
import { notSignedIn } from '../errors.js';
import { defaultHostFor } from '../providers/registry.js';
import type { Provider } from '../providers/types.js';
import type { AccountMeta } from '../store/accounts.js';
import type { SessionDeps } from './deps.js';

export function loginCommandFor(provider: Provider, host?: string, env: NodeJS.ProcessEnv = {}): string {
  return `oauthcli login ${provider.name}${host && host !== defaultHostFor(provider, env) ? ` --hostname ${host}` : ''}`;
}

/** "The sign-in … has expired. Run: oauthcli login …": the provider refused the account's tokens. */
export function expiredSignIn(deps: Pick<SessionDeps, 'env'>, account: AccountMeta, provider: Provider) {
  return notSignedIn(`the sign-in to ${account.host} as ${account.login} has expired. Run: ${loginCommandFor(provider, account.host, deps.env)}`, 'needs_login');
}

/** "… has no token for …": the account's store no longer holds its tokens (removed outside oauthcli). */
export function missingToken(deps: Pick<SessionDeps, 'env'>, account: AccountMeta, provider: Provider) {
  const where = account.storage === 'keychain' ? 'the OS keychain' : account.storage === 'pass' ? 'the pass store' : 'the insecure token file';
  return notSignedIn(
    `${where} has no token for ${account.login} on ${account.host} (it was removed outside oauthcli). Run: ${loginCommandFor(provider, account.host, deps.env)}`,
    'no_token',
  );
}
