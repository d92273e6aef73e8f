// The client secret of an app oauthcli registered itself (`oauthcli app create`): only ever in a
// secret store, in an entry of its own named `app:<provider>:<host>:<client id>`. The entry has
// the shape of a token set (every store keeps those), with the secret as its `clientSecret` and
// no token, so no store needs a second kind of entry.
import type { SecretStore } from './secrets.js';

export function appSecretKey(provider: string, host: string, clientId: string): string {
  return `app:${provider}:${host}:${clientId}`;
}

export async function saveAppSecret(store: SecretStore, provider: string, host: string, clientId: string, clientSecret: string): Promise<void> {
  await store.set(appSecretKey(provider, host, clientId), { accessToken: '', tokenType: 'client-secret', scopes: [], clientSecret });
}

/** The stored secret, or undefined when there is none (or the store cannot be read: the caller says what is missing). */
export async function loadAppSecret(store: SecretStore, provider: string, host: string, clientId: string): Promise<string | undefined> {
  const entry = await store.get(appSecretKey(provider, host, clientId)).catch(() => undefined);
  return typeof entry?.clientSecret === 'string' && entry.clientSecret ? entry.clientSecret : undefined;
}
