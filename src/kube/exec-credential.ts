// kubectl's exec credential plugins (client-go, "client-go credential plugins" in the Kubernetes
// authentication docs): kubectl runs the plugin with KUBERNETES_EXEC_INFO holding an
// ExecCredential whose apiVersion says which version it wants back, and reads an ExecCredential
// of that version on stdout: `status.token` and, so it knows when to ask again,
// `status.expirationTimestamp` (RFC 3339). Without the variable (someone running it by hand), the
// version of the kubeconfig entry setup-kubectl writes.
import { failure } from '../errors.js';

export const EXEC_CREDENTIAL_V1 = 'client.authentication.k8s.io/v1';
export const EXEC_CREDENTIAL_V1BETA1 = 'client.authentication.k8s.io/v1beta1';
/** What setup-kubectl writes into the kubeconfig: v1beta1, which kubectl 1.11 and later all speak. */
export const KUBECONFIG_EXEC_API_VERSION = EXEC_CREDENTIAL_V1BETA1;

const SUPPORTED = new Set([EXEC_CREDENTIAL_V1, EXEC_CREDENTIAL_V1BETA1]);

/** The apiVersion kubectl asks for in KUBERNETES_EXEC_INFO, or the kubeconfig's when it does not say. */
export function requestedApiVersion(env: NodeJS.ProcessEnv): string {
  const info = env.KUBERNETES_EXEC_INFO;
  if (!info) return KUBECONFIG_EXEC_API_VERSION;
  let parsed: unknown;
  try {
    parsed = JSON.parse(info);
  } catch {
    throw failure('KUBERNETES_EXEC_INFO is not JSON: oauthcli token --exec-credential is meant to be run by kubectl', { code: 'bad_exec_info' });
  }
  const apiVersion = (parsed as { apiVersion?: unknown } | null)?.apiVersion;
  if (typeof apiVersion !== 'string') throw failure('KUBERNETES_EXEC_INFO names no apiVersion', { code: 'bad_exec_info' });
  if (!SUPPORTED.has(apiVersion)) {
    throw failure(`kubectl asks for an ExecCredential of ${apiVersion.slice(0, 100)}; oauthcli answers ${[...SUPPORTED].join(' and ')}: use one of them in the kubeconfig's exec apiVersion`, {
      code: 'unsupported_exec_version',
    });
  }
  return apiVersion;
}

export interface ExecCredential {
  apiVersion: string;
  kind: 'ExecCredential';
  status: { token: string; expirationTimestamp?: string };
}

/** The ExecCredential for a token; `expiresAt` (ISO-8601) becomes an RFC 3339 time in whole seconds, as Kubernetes writes them. */
export function execCredential(apiVersion: string, token: string, expiresAt: string | undefined): ExecCredential {
  const status: ExecCredential['status'] = { token };
  if (expiresAt) status.expirationTimestamp = new Date(Date.parse(expiresAt)).toISOString().replace(/\.\d+Z$/, 'Z');
  return { apiVersion, kind: 'ExecCredential', status };
}
