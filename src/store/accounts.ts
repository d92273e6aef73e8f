// Non-secret account metadata and provider settings, in a JSON config file managed by `conf`.
// Never a token, never a client secret that came from the environment.
//
// All accounts belong to one local profile: the identities linked to it are every account
// stored here. Each provider+host has one active account; the most recently used account is
// "current", which is what a command with no provider means when several providers are linked.
import { randomUUID } from 'node:crypto';
import { failure } from '../errors.js';
import type { CustomProviderConfig } from '../providers/oidc.js';
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

/** Client credentials for a built-in provider, or a whole OpenID Connect issuer added by the user. */
export interface ProviderSettings {
  clientId?: string;
  clientSecret?: string;
  issuer?: string;
  scopes?: string[];
}

export interface LocalProfile {
  id: string;
  createdAt: string;
}

interface ConfigShape {
  accounts: Record<string, AccountMeta>;
  /** `provider:host` → key of its active account */
  active: Record<string, string>;
  /** key of the most recently signed-in or switched-to account */
  current?: string;
  providers: Record<string, ProviderSettings>;
  profile?: LocalProfile;
}

export function accountKey(a: Pick<AccountMeta, 'provider' | 'host' | 'login'>): string {
  return `${a.provider}:${a.host}:${a.login}`;
}

const slot = (a: Pick<AccountMeta, 'provider' | 'host'>) => `${a.provider}:${a.host}`;

type ConfStore = { get(key: string): unknown; set(key: string, value: unknown): void; delete(key: string): void; path: string };

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

  private read<K extends 'accounts' | 'active' | 'providers'>(key: K): ConfigShape[K] {
    return { ...(this.conf.get(key) as ConfigShape[K]) };
  }

  list(): AccountMeta[] {
    return Object.values(this.read('accounts'));
  }

  get(key: string): AccountMeta | undefined {
    return this.read('accounts')[key];
  }

  /** Saves an account's metadata; the first account creates the local profile. */
  save(meta: AccountMeta): void {
    const accounts = this.read('accounts');
    accounts[accountKey(meta)] = meta;
    this.conf.set('accounts', accounts);
    if (!this.conf.get('profile')) this.conf.set('profile', { id: randomUUID(), createdAt: new Date().toISOString() } satisfies LocalProfile);
  }

  remove(key: string): void {
    const accounts = this.read('accounts');
    const removed = accounts[key];
    if (!removed) return;
    delete accounts[key];
    this.conf.set('accounts', accounts);
    const active = this.read('active');
    if (active[slot(removed)] === key) {
      // Hand "active" to another account of the same provider and host, if any, as gh does.
      const next = Object.entries(accounts).find(([, a]) => slot(a) === slot(removed))?.[0];
      if (next) active[slot(removed)] = next;
      else delete active[slot(removed)];
      this.conf.set('active', active);
    }
    if (this.conf.get('current') === key) {
      const next = active[slot(removed)] ?? Object.values(active)[0];
      if (next) this.conf.set('current', next);
      else this.conf.delete('current');
    }
    if (Object.keys(accounts).length === 0) this.conf.delete('profile');
  }

  isActive(meta: AccountMeta): boolean {
    return this.read('active')[slot(meta)] === accountKey(meta);
  }

  /** Makes the account the active one of its provider and host, and the current one. */
  setActive(meta: AccountMeta): void {
    const active = this.read('active');
    active[slot(meta)] = accountKey(meta);
    this.conf.set('active', active);
    this.conf.set('current', accountKey(meta));
  }

  currentKey(): string | undefined {
    const key = this.conf.get('current');
    return typeof key === 'string' ? key : undefined;
  }

  profile(): LocalProfile | undefined {
    return this.conf.get('profile') as LocalProfile | undefined;
  }

  providerSettings(provider: string): ProviderSettings {
    return this.read('providers')[provider] ?? {};
  }

  /** OpenID Connect issuers added with `oauthcli provider add`. */
  customProviders(): Record<string, CustomProviderConfig> {
    const out: Record<string, CustomProviderConfig> = {};
    for (const [name, s] of Object.entries(this.read('providers'))) {
      if (s.issuer && s.clientId) out[name] = { issuer: s.issuer, clientId: s.clientId, ...(s.clientSecret ? { clientSecret: s.clientSecret } : {}), ...(s.scopes ? { scopes: s.scopes } : {}) };
    }
    return out;
  }

  setProviderSettings(name: string, settings: ProviderSettings | undefined): void {
    const providers = this.read('providers');
    if (settings) providers[name] = settings;
    else delete providers[name];
    this.conf.set('providers', providers);
  }
}
