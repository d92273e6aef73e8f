// Which container registries take which account's OAuth token, and under what username:
// - ghcr.io and docker.pkg.github.com take a GitHub token holding read:packages or write:packages,
//   with the account's login as the username ("Working with the Container registry",
//   https://docs.github.com/en/packages/working-with-a-github-packages-registry/working-with-the-container-registry);
// - registry.gitlab.com takes a GitLab token holding read_registry, write_registry or api, with
//   the username oauth2, as GitLab's git over HTTPS does
//   (https://docs.gitlab.com/user/packages/container_registry/authenticate_with_container_registry/);
// - any other host the user mapped to a provider with `setup-docker --registry HOST --provider P`.
import type { DockerRegistry } from '../store/accounts.js';
import type { AccountMeta, AccountStore } from '../store/accounts.js';
import { defaultHostFor, type ProviderRegistry } from '../providers/registry.js';

interface BuiltInRegistry {
  provider: string;
  /** The provider's host whose accounts the registry trusts. */
  host: string;
  /** Any one of these scopes lets the token in. */
  scopes: string[];
}

export const BUILT_IN_REGISTRIES: Readonly<Record<string, BuiltInRegistry>> = {
  'ghcr.io': { provider: 'github', host: 'github.com', scopes: ['read:packages', 'write:packages', 'delete:packages'] },
  'docker.pkg.github.com': { provider: 'github', host: 'github.com', scopes: ['read:packages', 'write:packages', 'delete:packages'] },
  'registry.gitlab.com': { provider: 'gitlab', host: 'gitlab.com', scopes: ['read_registry', 'write_registry', 'api'] },
};

export interface RegistryDeps {
  accounts: AccountStore;
  providers: ProviderRegistry;
  env: NodeJS.ProcessEnv;
}

export interface RegistryAnswer {
  account: AccountMeta;
  username: string;
}

/**
 * The registry host a server URL names, as docker hands it over: `ghcr.io`, `https://ghcr.io`,
 * `https://ghcr.io/v2/`, `registry.example.com:5000`. Lower case, with a port only when one is given.
 */
export function registryHost(serverUrl: string): string | undefined {
  const text = serverUrl.trim();
  if (!text) return undefined;
  try {
    const url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `https://${text}`);
    return url.host.toLowerCase() || undefined;
  } catch {
    return undefined;
  }
}

/** The account that answers for a registry host, and the username that goes with its token; undefined when none does. */
export function accountForRegistry(deps: RegistryDeps, host: string): RegistryAnswer | undefined {
  const mapped = Object.hasOwn(deps.accounts.dockerRegistries(), host) ? deps.accounts.dockerRegistries()[host] : undefined;
  if (mapped) return mappedAnswer(deps, mapped);
  const builtIn = Object.hasOwn(BUILT_IN_REGISTRIES, host) ? BUILT_IN_REGISTRIES[host] : undefined;
  if (!builtIn) return undefined;
  const candidates = deps.accounts.list().filter((a) => a.provider === builtIn.provider && a.host === builtIn.host && a.scopes.some((s) => builtIn.scopes.includes(s)));
  const account = pick(deps, candidates);
  if (!account) return undefined;
  return { account, username: usernameFor(deps, account) };
}

/** Every registry host oauthcli answers for now, with its username (docker's `list`). */
export function answeredRegistries(deps: RegistryDeps): Record<string, string> {
  const hosts = [...Object.keys(BUILT_IN_REGISTRIES), ...Object.keys(deps.accounts.dockerRegistries())];
  const out: Record<string, string> = {};
  for (const host of hosts) {
    const answer = accountForRegistry(deps, host);
    if (answer) out[host] = answer.username;
  }
  return out;
}

function mappedAnswer(deps: RegistryDeps, mapped: DockerRegistry): RegistryAnswer | undefined {
  if (!deps.providers.names().includes(mapped.provider)) return undefined;
  const provider = deps.providers.get(mapped.provider);
  const host = mapped.host ?? defaultHostFor(provider, deps.env);
  const account = pick(deps, deps.accounts.list().filter((a) => a.provider === provider.name && a.host === host));
  if (!account) return undefined;
  return { account, username: mapped.username ?? usernameFor(deps, account) };
}

/** The only one, else the active one of its provider and host. */
function pick(deps: RegistryDeps, candidates: AccountMeta[]): AccountMeta | undefined {
  if (candidates.length <= 1) return candidates[0];
  return candidates.find((a) => deps.accounts.isActive(a)) ?? candidates[0];
}

function usernameFor(deps: RegistryDeps, account: AccountMeta): string {
  const provider = deps.providers.get(account.provider);
  return provider.git?.username(account.login) ?? account.login;
}
