// `oauthcli setup-kubectl PROVIDER --cluster NAME [--user NAME] [--context NAME] [--id-token]
// [--kubeconfig PATH] [--remove]`: a kubeconfig user whose exec plugin is
// `oauthcli token --exec-credential PROVIDER`, and a context joining it to the cluster
// (src/kube/kubeconfig.ts). Without kubectl, the same entry is printed to add by hand.
import { usageError } from '../../errors.js';
import { kubeconfigSnippet, removeKubectlSetup, setUpKubectl, systemKubectl, type KubeEntry } from '../../kube/kubeconfig.js';
import { selfCommand } from '../../launcher.js';
import { defaultHostFor, normalizeHost } from '../../providers/registry.js';
import { writeResult } from '../terminal/streams.js';
import type { World } from '../world.js';

interface SetupKubectlOptions {
  cluster?: string;
  user?: string;
  context?: string;
  hostname?: string;
  idToken?: boolean;
  kubeconfig?: string;
  remove?: boolean;
}

export async function run(world: World, providerName: string, opts: SetupKubectlOptions): Promise<number> {
  const entry = entryFor(world, providerName, opts);
  const kubectl = systemKubectl(world.env, opts.kubeconfig);
  if (opts.remove) {
    const removed = await removeKubectlSetup(kubectl, entry);
    world.info(removed.length ? `✓ removed from the kubeconfig: ${removed.join(', ')}` : `the kubeconfig has no context "${entry.context}" or user "${entry.user}" from oauthcli; nothing changed`);
    return 0;
  }
  let result;
  try {
    result = await setUpKubectl(kubectl, entry);
  } catch (error) {
    if ((error as { code?: string }).code !== 'no_kubectl') throw error;
    world.info('kubectl is not on PATH: add this to your kubeconfig (~/.kube/config) by hand:');
    await writeResult(world, kubeconfigSnippet(entry));
    return 0;
  }
  world.info(`✓ kubectl asks oauthcli for the token of cluster ${entry.cluster}: user "${entry.user}", context "${entry.context}"${result.madeCurrent ? ' (now the current context)' : ''}`);
  if (!result.madeCurrent) world.info(`  Use it: kubectl --context ${entry.context} get pods, or kubectl config use-context ${entry.context}`);
  world.info(`  Undo: oauthcli setup-kubectl ${providerName} --cluster ${entry.cluster} --remove`);
  return 0;
}

function entryFor(world: World, providerName: string, opts: SetupKubectlOptions): KubeEntry {
  if (!opts.cluster) throw usageError('setup-kubectl needs --cluster NAME: the cluster as the kubeconfig names it (kubectl config get-clusters)');
  const provider = world.providers.get(providerName);
  const host = opts.hostname ? normalizeHost(provider, opts.hostname) : undefined;
  const ownHost = host && host !== defaultHostFor(provider, world.env) ? host : undefined;
  // Names without dots or colons: kubectl's `config unset` reads dots as a path.
  const slug = (text: string) => text.replace(/[^A-Za-z0-9-]+/g, '-');
  const user = opts.user ?? ['oauthcli', provider.name, ...(ownHost ? [slug(ownHost)] : []), ...(opts.idToken ? ['id-token'] : [])].join('-');
  const self = selfCommand(world.env);
  return {
    cluster: opts.cluster,
    user,
    context: opts.context ?? `oauthcli-${slug(opts.cluster)}`,
    command: self.command,
    args: [...self.args, 'token', '--exec-credential', provider.name, ...(host ? ['--hostname', host] : []), ...(opts.idToken ? ['--id-token'] : [])],
  };
}
