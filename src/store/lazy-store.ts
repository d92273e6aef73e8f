// A secret store whose module loads on first use: every command's start-up builds the world, and
// only the commands that touch this store should pay for loading it (the pass store spawns gpg).
import type { TokenSet } from '../token-set.js';
import type { SecretStore, StorageKind } from './secrets.js';

export function lazyStore(kind: StorageKind, load: () => Promise<SecretStore>): SecretStore {
  let store: Promise<SecretStore> | undefined;
  const get = () => (store ??= load());
  return {
    kind,
    get: async (account: string): Promise<TokenSet | undefined> => (await get()).get(account),
    set: async (account: string, tokens: TokenSet) => (await get()).set(account, tokens),
    delete: async (account: string) => (await get()).delete(account),
    check: async () => (await get()).check(),
  };
}
