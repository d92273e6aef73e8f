// docker's credential-helper protocol, as docker-credential-helpers defines it
// (github.com/docker/docker-credential-helpers, credentials/credentials.go and error.go): the
// program is run with one argument, the action; `get` reads a server URL on stdin and writes
// `{"ServerURL","Username","Secret"}` JSON on stdout; `store` reads such JSON and `erase` a server
// URL; `list` writes a JSON object {ServerURL: Username}; `version` a line. Every error is its
// message on stdout and exit status 1 — for a registry the helper has nothing for, exactly
// "credentials not found in native keychain", which docker reads as "no credentials, go on
// anonymously".
//
// oauthcli answers `get` with a fresh token of the account that the registry takes (refreshed
// under the same lock as every command; never a sign-in), and hears `store` and `erase` without
// acting: what docker hands over after `docker login` is not oauthcli's to keep, and a failed
// pull is no reason to forget a sign-in.
import { credentialFor } from '../session/tool-credential.js';
import type { SessionDeps } from '../session/deps.js';
import { accountForRegistry, answeredRegistries, registryHost, type RegistryDeps } from './registries.js';

export const NOT_FOUND = 'credentials not found in native keychain';
export const MISSING_SERVER_URL = 'no credentials server URL';
export const HELPER_NAME = 'docker-credential-oauthcli';

export interface HelperOutcome {
  stdout: string;
  exitCode: 0 | 1;
}

const ok = (stdout: string): HelperOutcome => ({ stdout, exitCode: 0 });
const error = (message: string): HelperOutcome => ({ stdout: `${message}\n`, exitCode: 1 });

/** Runs one action; `readInput` is called only by the actions that read stdin. */
export async function handleAction(deps: SessionDeps & RegistryDeps, args: readonly string[], readInput: () => Promise<string>, version: string): Promise<HelperOutcome> {
  if (args.length !== 1) return error(`Usage: ${HELPER_NAME} <store|get|erase|list|version>`);
  const action = args[0]!;
  switch (action) {
    case 'get':
      return get(deps, (await readInput()).trim());
    case 'store':
    case 'erase': {
      // Read to the end, so docker's write never fails on a closed pipe; nothing is kept or forgotten.
      const input = await readInput();
      if (action === 'erase' && input.trim() === '') return error(MISSING_SERVER_URL);
      return ok('');
    }
    case 'list':
      return ok(`${JSON.stringify(answeredRegistries(deps))}\n`);
    case 'version':
      return ok(`${HELPER_NAME} (oauthcli) ${version}\n`);
    default:
      return error(`Unknown credential action \`${action}\``);
  }
}

async function get(deps: SessionDeps & RegistryDeps, serverUrl: string): Promise<HelperOutcome> {
  if (serverUrl === '') return error(MISSING_SERVER_URL);
  const host = registryHost(serverUrl);
  const answer = host === undefined ? undefined : accountForRegistry(deps, host);
  if (!answer) return error(NOT_FOUND);
  const { token } = await credentialFor(deps, answer.account);
  return ok(`${JSON.stringify({ ServerURL: serverUrl, Username: answer.username, Secret: token })}\n`);
}
