// `oauthcli setup-git [provider] [--hostname HOST] [--remove]`: make git use oauthcli for a host
// (src/git/setup.ts). With no provider or host: every host with a GitHub or GitLab account here,
// or github.com when there is none.
import { usageError } from '../../errors.js';
import { removeGitSetup, setUpGit, helperCommand, systemGit } from '../../git/setup.js';
import { defaultHostFor, normalizeHost } from '../../providers/registry.js';
import type { World } from '../world.js';

export async function run(world: World, providerName: string | undefined, opts: { hostname?: string; remove?: boolean }): Promise<number> {
  const hosts = hostsFor(world, providerName, opts.hostname);
  const git = systemGit(world.env);
  if (opts.remove) {
    const removed = await removeGitSetup(git, hosts, helperCommand(world.env));
    world.info(removed.length ? `✓ git no longer asks oauthcli for ${hosts.join(', ')}` : `git was not set up to ask oauthcli for ${hosts.join(', ')}; nothing changed`);
    return 0;
  }
  await setUpGit(git, hosts, helperCommand(world.env));
  world.info(`✓ git now asks oauthcli for the credentials of ${hosts.join(', ')} (undo with oauthcli setup-git --remove)`);
  return 0;
}

function hostsFor(world: World, providerName: string | undefined, hostname: string | undefined): string[] {
  const gitProviders = world.providers.builtIn().filter((p) => p.git);
  if (providerName || hostname) {
    const provider = world.providers.get(providerName ?? 'github');
    if (!provider.git) throw usageError(`${provider.displayName} does not host git repositories; setup-git is for ${gitProviders.map((p) => p.name).join(' and ')}`, 'unsupported');
    return withGists(normalizeHost(provider, hostname, defaultHostFor(provider, world.env)));
  }
  const hosts = world.accounts.list().filter((a) => gitProviders.some((p) => p.name === a.provider)).map((a) => a.host);
  return [...new Set((hosts.length ? hosts : [defaultHostFor(gitProviders[0]!, world.env)]).flatMap(withGists))];
}

/** Gists live on their own host with github.com's account. */
export function withGists(host: string): string[] {
  return host === 'github.com' ? [host, 'gist.github.com'] : [host];
}
