// `oauthcli switch <provider> [--user LOGIN]`: make another stored account of that provider
// (and host) the active one. With two accounts and no --user, the other one, as gh does.
import { notSignedIn, usageError } from '../../errors.js';
import { normalizeHost } from '../../providers/registry.js';
import { activateAccount } from '../../session/account-changes.js';
import { loginCommandFor } from '../../session/sign-in-needed.js';
import { safeText } from '../terminal/safe-text.js';
import type { World } from '../world.js';

export async function run(world: World, providerName: string, opts: { hostname?: string; user?: string }): Promise<number> {
  const provider = world.providers.get(providerName);
  const host = opts.hostname ? normalizeHost(provider, opts.hostname) : undefined;
  const candidates = world.accounts.list().filter((a) => a.provider === provider.name && (!host || a.host === host));
  const hosts = new Set(candidates.map((a) => a.host));
  if (candidates.length === 0) throw notSignedIn(`not signed in to ${provider.displayName}${host ? ` on ${host}` : ''}. Run: ${loginCommandFor(provider, host, world.env)}`, 'no_account');
  let target;
  if (opts.user) {
    target = candidates.find((a) => a.login === opts.user);
    if (!target) throw usageError(`no stored ${provider.displayName} account '${opts.user}' (stored: ${candidates.map((a) => safeText(a.login)).join(', ')})`, 'unknown_account');
  } else {
    if (hosts.size > 1) throw usageError(`${provider.displayName} accounts on several hosts (${[...hosts].join(', ')}): pick one with --hostname or --user`);
    const inactive = candidates.filter((a) => !world.accounts.isActive(a));
    if (inactive.length === 0) {
      world.info(`${safeText(candidates[0]!.login)} is the only ${provider.displayName} account on ${candidates[0]!.host}; nothing to switch to.`);
      await activateAccount(world, candidates[0]!, waiting(world, candidates[0]!.login));
      return 0;
    }
    if (inactive.length > 1) throw usageError(`several accounts to switch to (${inactive.map((a) => safeText(a.login)).join(', ')}): pick one with --user`);
    target = inactive[0]!;
  }
  await activateAccount(world, target, waiting(world, target.login));
  world.info(`✓ Switched the active ${provider.displayName} account on ${target.host} to ${safeText(target.login)}`);
  return 0;
}

/** The line said while a refresh of the account holds its lock. */
function waiting(world: World, login: string): () => void {
  return () => world.info(`Waiting for another oauthcli process that is refreshing the token of ${safeText(login)}…`);
}
