// Which account a command means, from the provider, --hostname and --user it was given; and how
// the user knows an account when a message names it.
import { notSignedIn, usageError } from '../errors.js';
import { defaultHostFor, normalizeHost } from '../providers/registry.js';
import type { Provider } from '../providers/types.js';
import type { AccountMeta } from '../store/accounts.js';
import type { SessionDeps } from './deps.js';
import { envAccounts } from './env-accounts.js';
import { loginCommandFor } from './sign-in-needed.js';

export interface AccountSelector {
  provider?: string | undefined;
  hostname?: string | undefined;
  user?: string | undefined;
}

/** How the user knows an account: its login, or where its token comes from. */
export function describeAccount(a: Pick<AccountMeta, 'login' | 'storage' | 'provider' | 'envVar'>, provider?: Provider): string {
  if (a.storage === 'env') return `the token in ${a.envVar ?? `OAUTHCLI_${provider?.envName ?? a.provider.toUpperCase()}_TOKEN`}`;
  return a.login;
}

/** Every account (from the environment first, then stored) that provider/host/user match; not signed in when none does. */
function matchingAccounts(deps: Pick<SessionDeps, 'accounts' | 'providers' | 'env'>, selector: AccountSelector): AccountMeta[] {
  const provider = selector.provider ? deps.providers.get(selector.provider) : undefined;
  const host = provider && selector.hostname ? normalizeHost(provider, selector.hostname) : selector.hostname?.toLowerCase();
  const fromEnv = selector.user ? [] : envAccounts(deps);
  const overridden = new Set(fromEnv.map((a) => `${a.provider}:${a.host}`));
  const all = [...fromEnv, ...deps.accounts.list().filter((a) => !overridden.has(`${a.provider}:${a.host}`))];
  const matching = all.filter((a) => (!provider || a.provider === provider.name) && (!host || a.host === host) && (!selector.user || a.login === selector.user));
  if (matching.length === 0) {
    const what = [provider?.displayName, host, selector.user].filter(Boolean).join(' ');
    // No provider named: the one whose default host this is (gitlab.com: gitlab), else github (the default).
    const guess = provider ?? deps.providers.builtIn().find((p) => host && defaultHostFor(p, deps.env) === host) ?? deps.providers.get('github');
    const hint = loginCommandFor(guess, host, deps.env);
    throw notSignedIn(`not signed in${what ? ` to ${what}` : ''}. Run: ${hint}`, 'no_account');
  }
  return matching;
}

/**
 * The one account a destructive command (logout, revoke) means: it never guesses. When several
 * match, a usage error lists them, each as the command that names it.
 */
export function selectOnlyAccount(deps: Pick<SessionDeps, 'accounts' | 'providers' | 'env'>, selector: AccountSelector, command: string): AccountMeta {
  const matching = matchingAccounts(deps, selector);
  if (matching.length === 1) return matching[0]!;
  const choices = matching.map((a) => (a.storage === 'env' ? `${a.provider} ${a.host} (${describeAccount(a)})` : `oauthcli ${command} ${a.provider} --hostname ${a.host} --user ${a.login}`));
  throw usageError(`${matching.length} accounts match; name the one to ${command === 'logout' ? 'sign out of' : command}: ${choices.join('; ')}`, 'ambiguous_account');
}

/**
 * The account a command means: the only one matching provider/host/user, else the active one
 * of those, else (no provider named) the current one. A token from the environment stands in
 * for the stored accounts of its provider and host, unless --user names one of them.
 */
export function selectAccount(deps: Pick<SessionDeps, 'accounts' | 'providers' | 'env'>, selector: AccountSelector): AccountMeta {
  const host = selector.hostname;
  const matching = matchingAccounts(deps, selector);
  if (matching.length === 1) return matching[0]!;
  const isActive = (a: AccountMeta) => a.storage === 'env' || deps.accounts.isActive(a);
  const active = matching.filter(isActive);
  if (active.length === 1) return active[0]!;
  const current = deps.accounts.currentKey();
  const currentMatch = active.find((a) => a.key === current);
  if (currentMatch) return currentMatch;
  // Each on its provider's default host (GH_HOST's, with gh's variables): as gh, that host first.
  const onDefaultHost = host ? [] : active.filter((a) => a.host === defaultHostFor(deps.providers.get(a.provider), deps.env));
  if (onDefaultHost.length === 1) return onDefaultHost[0]!;
  const names = matching.map((a) => `${a.provider} ${a.host} ${describeAccount(a)}`).join(', ');
  throw usageError(`several accounts match (${names}); name one with a provider, --hostname or --user`, 'ambiguous_account');
}
