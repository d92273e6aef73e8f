// The kubeconfig entry that makes kubectl ask oauthcli for its token: a `users[]` entry whose
// `exec` runs `oauthcli token --exec-credential PROVIDER`, and a context joining it to a cluster.
// kubectl itself edits the file (`kubectl config set-credentials/set-context/delete-context/
// unset`): it knows every kubeconfig version, KUBECONFIG with several files, and its own format.
// Running setup twice leaves the file as it was after the first time; removing deletes exactly
// the context and user it added (and the current-context it set), so the file is as before.
import { execFile } from 'node:child_process';
import { failure, usageError } from '../errors.js';
import { KUBECONFIG_EXEC_API_VERSION } from './exec-credential.js';

export interface KubectlRunner {
  (args: string[]): Promise<{ code: number; stdout: string; stderr: string }>;
}

/** Runs kubectl with the process's environment (KUBECONFIG, HOME), on `kubeconfig` when given. */
export function systemKubectl(env: NodeJS.ProcessEnv, kubeconfig?: string): KubectlRunner {
  return (args) =>
    new Promise((resolve, reject) => {
      execFile('kubectl', [...(kubeconfig ? [`--kubeconfig=${kubeconfig}`] : []), ...args], { env, timeout: 30_000, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
        if (error && (error as NodeJS.ErrnoException).code === 'ENOENT') return reject(failure('kubectl is not installed (or not on PATH)', { code: 'no_kubectl' }));
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout: String(stdout), stderr: String(stderr) });
      });
    });
}

/** What setup-kubectl writes: which program kubectl runs, for which cluster, under which names. */
export interface KubeEntry {
  cluster: string;
  /** The `users[]` entry's name. */
  user: string;
  /** The context joining `cluster` and `user`. */
  context: string;
  /** The program kubectl runs (an absolute path) and its arguments. */
  command: string;
  args: string[];
}

interface KubeconfigView {
  'current-context'?: string;
  clusters?: Array<{ name: string }> | null;
  contexts?: Array<{ name: string; context?: { cluster?: string; user?: string } }> | null;
  users?: Array<{ name: string; user?: { exec?: { command?: string; args?: string[] | null } } }> | null;
}

/** Whether a users[] entry is one setup-kubectl wrote: its exec runs `… token --exec-credential …`. */
function isOurs(user: NonNullable<KubeconfigView['users']>[number] | undefined): boolean {
  const args = user?.user?.exec?.args ?? [];
  return args.includes('token') && args.includes('--exec-credential');
}

async function view(kubectl: KubectlRunner): Promise<KubeconfigView> {
  const res = await kubectl(['config', 'view', '-o', 'json']);
  if (res.code !== 0) throw kubectlFailed(['config', 'view'], res);
  try {
    return JSON.parse(res.stdout) as KubeconfigView;
  } catch {
    throw failure('kubectl config view printed something that is not JSON', { code: 'kubectl_failed' });
  }
}

export interface SetupResult {
  /** Whether it made the new context the current one (there was none). */
  madeCurrent: boolean;
}

export async function setUpKubectl(kubectl: KubectlRunner, entry: KubeEntry): Promise<SetupResult> {
  const config = await view(kubectl);
  if (!(config.clusters ?? []).some((c) => c.name === entry.cluster)) {
    throw usageError(`the kubeconfig has no cluster named "${entry.cluster}" (kubectl config get-clusters lists them)`, 'no_cluster');
  }
  const user = (config.users ?? []).find((u) => u.name === entry.user);
  if (user && !isOurs(user)) throw usageError(`the kubeconfig already has a user "${entry.user}" that oauthcli did not write: name another one with --user`, 'user_taken');
  const context = (config.contexts ?? []).find((c) => c.name === entry.context);
  if (context && (context.context?.cluster !== entry.cluster || context.context?.user !== entry.user)) {
    throw usageError(`the kubeconfig already has a context "${entry.context}" for another cluster or user: name another one with --context`, 'context_taken');
  }
  const interactiveMode = await knowsInteractiveMode(kubectl);
  await checked(kubectl, [
    'config',
    'set-credentials',
    entry.user,
    `--exec-api-version=${KUBECONFIG_EXEC_API_VERSION}`,
    `--exec-command=${entry.command}`,
    ...entry.args.map((a) => `--exec-arg=${a}`),
    // An older kubectl has neither the field nor the flag, and v1beta1 does not need them.
    ...(interactiveMode ? ['--exec-interactive-mode=Never', '--exec-provide-cluster-info=false'] : []),
  ]);
  await checked(kubectl, ['config', 'set-context', entry.context, `--cluster=${entry.cluster}`, `--user=${entry.user}`]);
  const madeCurrent = !config['current-context'];
  if (madeCurrent) await checked(kubectl, ['config', 'use-context', entry.context]);
  return { madeCurrent };
}

/** Removes the context and user setUpKubectl wrote (a user another context still uses stays); returns what it removed. */
export async function removeKubectlSetup(kubectl: KubectlRunner, entry: Pick<KubeEntry, 'user' | 'context'>): Promise<string[]> {
  const config = await view(kubectl);
  const removed: string[] = [];
  const user = (config.users ?? []).find((u) => u.name === entry.user);
  const context = (config.contexts ?? []).find((c) => c.name === entry.context);
  if (context && context.context?.user === entry.user && isOurs(user)) {
    if (config['current-context'] === entry.context) await checked(kubectl, ['config', 'unset', 'current-context']);
    await checked(kubectl, ['config', 'delete-context', entry.context]);
    removed.push(`context ${entry.context}`);
  }
  const stillUsed = (config.contexts ?? []).some((c) => c.name !== entry.context && c.context?.user === entry.user);
  if (user && isOurs(user) && !stillUsed) {
    const res = await kubectl(['config', 'delete-user', entry.user]);
    // kubectl before 1.19 has no delete-user; `unset users.NAME` does the same for a name without dots.
    if (res.code !== 0 && /unknown command/i.test(res.stderr)) await checked(kubectl, ['config', 'unset', `users.${entry.user}`]);
    else if (res.code !== 0) throw kubectlFailed(['config', 'delete-user'], res);
    removed.push(`user ${entry.user}`);
  }
  return removed;
}

/** The same entry as YAML, for a kubeconfig edited by hand (no kubectl here). Values are JSON strings, which YAML reads as they are. */
export function kubeconfigSnippet(entry: KubeEntry): string {
  const q = (text: string) => JSON.stringify(text);
  return [
    'users:',
    `- name: ${q(entry.user)}`,
    '  user:',
    '    exec:',
    `      apiVersion: ${KUBECONFIG_EXEC_API_VERSION}`,
    `      command: ${q(entry.command)}`,
    '      args:',
    ...entry.args.map((a) => `      - ${q(a)}`),
    '      interactiveMode: Never',
    '      provideClusterInfo: false',
    'contexts:',
    `- name: ${q(entry.context)}`,
    '  context:',
    `    cluster: ${q(entry.cluster)}`,
    `    user: ${q(entry.user)}`,
    '',
  ].join('\n');
}

/** Whether this kubectl can write `interactiveMode` (a v1 entry needs it; Debian's 1.20 knows neither the field nor the flag). */
async function knowsInteractiveMode(kubectl: KubectlRunner): Promise<boolean> {
  const res = await kubectl(['config', 'set-credentials', '--help']);
  return res.stdout.includes('--exec-interactive-mode');
}

async function checked(kubectl: KubectlRunner, args: string[]): Promise<void> {
  const res = await kubectl(args);
  if (res.code !== 0) throw kubectlFailed(args, res);
}

function kubectlFailed(args: string[], res: { code: number; stderr: string }) {
  return failure(`kubectl ${args.slice(0, 2).join(' ')} failed: ${res.stderr.trim().split('\n')[0] || `exit ${res.code}`}`, { code: 'kubectl_failed' });
}
