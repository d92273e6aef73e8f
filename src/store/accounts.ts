// Non-secret account metadata and provider settings, in a JSON config file managed by `conf`.
// Never a token, never a client secret that came from the environment.
import { failure } from '../errors.js';
import type { StorageKind } from './secrets.js';

export interface AccountMeta {
  provider: string;
  host: string;
  login: string;
  id: string;
  scopes: string[];
  storage: StorageKind;
  /** ISO-8601 time of the sign-in. */
  signedInAt: string;
  /** Set when the provider refused the stored tokens: `login` is needed. */
  needsLogin?: boolean;
}

export interface ProviderSettings {
  clientId?: string;
  clientSecret?: string;
}

interface ConfigShape {
  accounts: Record<string, AccountMeta>;
  /** provider name → key of its active account */
  active: Record<string, string>;
  providers: Record<string, ProviderSettings>;
}

export function accountKey(a: Pick<AccountMeta, 'provider' | 'host' | 'login'>): string {
  return `${a.provider}:${a.host}:${a.login}`;
}

type ConfStore = { get(key: string): unknown; set(key: string, value: unknown): void; path: string };

export class AccountStore {
  private constructor(private readonly conf: ConfStore) {}

  static async open(configDir: string | undefined): Promise<AccountStore> {
    const { default: Conf } = await import('conf');
    try {
      const conf = new Conf<ConfigShape>({
        projectName: 'oauthcli',
        projectSuffix: '',
        configName: 'config',
        ...(configDir ? { cwd: configDir } : {}),
        accessPropertiesByDotNotation: false,
        // A config we cannot read is reported, never wiped: it may be the user's only record.
        clearInvalidConfig: false,
        defaults: { accounts: {}, active: {}, providers: {} },
      });
      const store = new AccountStore(conf as unknown as ConfStore);
      store.validate();
      return store;
    } catch (error) {
      if ((error as { code?: string }).code === 'corrupt_config') throw error;
      const where = configDir ? `${configDir}/config.json` : 'the config file';
      throw failure(`cannot read ${where}: ${(error as Error).message.split('\n')[0]}. Fix or move the file; nothing was changed.`, {
        code: 'corrupt_config',
        cause: error,
      });
    }
  }

  get path(): string {
    return this.conf.path;
  }

  private validate(): void {
    for (const key of ['accounts', 'active', 'providers'] as const) {
      const value = this.conf.get(key);
      if (value === null || typeof value !== 'object' || Array.isArray(value)) {
        throw failure(`cannot read ${this.conf.path}: "${key}" is not an object. Fix or move the file; nothing was changed.`, {
          code: 'corrupt_config',
        });
      }
    }
  }

  private read<K extends keyof ConfigShape>(key: K): ConfigShape[K] {
    return { ...(this.conf.get(key) as ConfigShape[K]) };
  }

  list(): AccountMeta[] {
    return Object.values(this.read('accounts'));
  }

  get(key: string): AccountMeta | undefined {
    return this.read('accounts')[key];
  }

  save(meta: AccountMeta): void {
    const accounts = this.read('accounts');
    accounts[accountKey(meta)] = meta;
    this.conf.set('accounts', accounts);
  }

  remove(key: string): void {
    const accounts = this.read('accounts');
    const removed = accounts[key];
    delete accounts[key];
    this.conf.set('accounts', accounts);
    const active = this.read('active');
    if (removed && active[removed.provider] === key) {
      // Hand "active" to another account of the same provider, if any, as gh does.
      const next = Object.entries(accounts).find(([, a]) => a.provider === removed.provider)?.[0];
      if (next) active[removed.provider] = next;
      else delete active[removed.provider];
      this.conf.set('active', active);
    }
  }

  activeKey(provider: string): string | undefined {
    return this.read('active')[provider];
  }

  setActive(meta: AccountMeta): void {
    const active = this.read('active');
    active[meta.provider] = accountKey(meta);
    this.conf.set('active', active);
  }

  providerSettings(provider: string): ProviderSettings {
    return this.read('providers')[provider] ?? {};
  }
}
