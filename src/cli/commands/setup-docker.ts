// `oauthcli setup-docker [--registry HOST --provider P [--hostname H] [--username U]] [--remove]`:
// docker's config gets `credHelpers` entries naming oauthcli (src/docker/config.ts) for the
// registries it answers (src/docker/registries.ts): the built-in ones with an account here, and
// those mapped to a provider with --registry, which the config file remembers.
import { addCredHelpers, dockerConfigPath, removeCredHelpers } from '../../docker/config.js';
import { HELPER_NAME } from '../../docker/credential-helper.js';
import { accountForRegistry, BUILT_IN_REGISTRIES, registryHost } from '../../docker/registries.js';
import { usageError } from '../../errors.js';
import { onPath } from '../../launcher.js';
import { normalizeHost } from '../../providers/registry.js';
import type { World } from '../world.js';

interface SetupDockerOptions {
  registry?: string;
  provider?: string;
  hostname?: string;
  username?: string;
  remove?: boolean;
}

export async function run(world: World, opts: SetupDockerOptions): Promise<number> {
  const path = dockerConfigPath(world.env);
  const registry = opts.registry === undefined ? undefined : registryHost(opts.registry);
  if (opts.registry !== undefined && !registry) throw usageError(`--registry takes a registry host such as registry.example.com or registry.example.com:5000, not "${opts.registry}"`);
  if (!registry && (opts.provider || opts.hostname || opts.username)) throw usageError('--provider, --hostname and --username describe a registry: give it with --registry HOST');

  if (opts.remove) {
    const removed = await removeCredHelpers(path, registry ? [registry] : undefined);
    for (const host of registry ? [registry] : Object.keys(world.accounts.dockerRegistries())) {
      if (Object.hasOwn(world.accounts.dockerRegistries(), host)) await world.accounts.setDockerRegistry(host, undefined);
    }
    world.info(removed.length ? `✓ docker no longer asks oauthcli for ${removed.join(', ')} (${path})` : `docker was not set up to ask oauthcli${registry ? ` for ${registry}` : ''}; nothing changed`);
    return 0;
  }

  if (registry && opts.provider) {
    const provider = world.providers.get(opts.provider);
    const host = opts.hostname ? normalizeHost(provider, opts.hostname) : undefined;
    await world.accounts.setDockerRegistry(registry, { provider: provider.name, ...(host ? { host } : {}), ...(opts.username ? { username: opts.username } : {}) });
  } else if (registry && !Object.hasOwn(BUILT_IN_REGISTRIES, registry) && !Object.hasOwn(world.accounts.dockerRegistries(), registry)) {
    throw usageError(`oauthcli does not know which account ${registry} takes: name the provider with --provider (and --hostname for its host)`);
  }
  const registries = registry ? [registry] : defaultRegistries(world);
  const changed = await addCredHelpers(path, registries);
  world.info(changed.length ? `✓ docker asks oauthcli for the credentials of ${registries.join(', ')} (${path}; undo with oauthcli setup-docker --remove)` : `docker already asks oauthcli for ${registries.join(', ')}; nothing changed`);
  for (const host of registries) {
    if (!accountForRegistry(world, host)) world.info(`  ${host}: no account here that it takes yet; ${advice(host)}`);
  }
  if (!onPath(world.env, HELPER_NAME)) world.info(`  ${HELPER_NAME} is not on PATH, where docker looks for it: install oauthcli with npm install -g, or link its bin/${HELPER_NAME}.js there`);
  return 0;
}

/** The built-in registries whose provider has an account on their host, and every mapped one; github's two when there are none. */
function defaultRegistries(world: World): string[] {
  const signedIn = Object.entries(BUILT_IN_REGISTRIES)
    .filter(([, r]) => world.accounts.list().some((a) => a.provider === r.provider && a.host === r.host))
    .map(([host]) => host);
  const all = [...new Set([...signedIn, ...Object.keys(world.accounts.dockerRegistries())])];
  return all.length ? all : ['ghcr.io', 'docker.pkg.github.com'];
}

function advice(host: string): string {
  const builtIn = Object.hasOwn(BUILT_IN_REGISTRIES, host) ? BUILT_IN_REGISTRIES[host] : undefined;
  if (!builtIn) return 'sign in to the provider it was set up with';
  const scope = builtIn.scopes[0]!;
  return `sign in with the ${scope} scope: oauthcli login ${builtIn.provider} -s ${scope} (or oauthcli refresh ${builtIn.provider} -s ${scope})`;
}
