// Non-secret account metadata and provider settings, in `<config dir>/config.json`. Never a
// token, never a client secret that came from the environment.
//
// All accounts belong to one local profile: the identities linked to it are every account
// stored here. Each provider+host has one active account; the most recently used account is
// "current", which is what a command with no provider means when several providers are linked.
import { join } from 'node:path';
import { ConfigFile, tightenModes } from './config-file.js';
import type { StorageKind } from './secrets.js';

export interface AccountMeta {
  /**
   * `provider:host:login`, or `provider:host:sub` for OpenID Connect accounts (OIDC Core §5.7:
   * only issuer + sub identify a user; a preferred_username can change or be reused).
   */
  key: string;
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
  /** Which of the provider's OAuth clients issued the tokens, when it has several (Google's device client). */
  client?: 'device';
  /**
   * The client id the tokens were issued to: a refresh or revocation must use that client, even
   * after the environment variable or setting that named it is gone. Its secret, when it had one,
   * is kept with the tokens in the secret store (TokenSet.clientSecret), never here.
   */
  clientId?: string;
  /**
   * The directory (tenant) the account belongs to, for providers with tenants: the ID token's
   * `tid` (a GUID), else the tenant it signed in through (`--with-token`). Its later requests go
   * there, and a `tid` is part of the account's key, since a `sub` means a user only within its tenant.
   */
  tenant?: string;
  /** storage 'env': the variable that holds the token (OAUTHCLI_GITHUB_TOKEN, GH_TOKEN, …). */
  envVar?: string;
}

/**
 * An app oauthcli registered itself on one host (`oauthcli app create github`): its client id
 * here; its client secret only in the OS keychain (src/store/app-secrets.ts).
 */
export interface RegisteredApp {
  clientId: string;
  /** The app's name and page, to tell the user which app this is. */
  name?: string;
  htmlUrl?: string;
  /** ISO-8601 time of the registration. */
  createdAt?: string;
}

/**
 * How an added OpenID Connect issuer wants its sign-ins, set with `provider add` / `provider set`.
 * Each is data the provider reads (src/providers/oidc.ts); nothing else branches on a provider.
 */
export interface SignInSettings {
  /**
   * A fixed loopback redirect URI (`http://127.0.0.1:PORT/PATH` or `http://localhost:PORT/PATH`),
   * for servers that compare redirect URIs as exact strings (glewlwyd, dex, kanidm).
   */
  redirectUri?: string;
  /** Extra authorization and device-authorization parameters (Auth0's `audience`, RFC 8707's `resource`). */
  params?: Record<string, string>;
  /** The `prompt` to send (`login`, `select_account`, `consent`…); none when absent. */
  prompt?: string;
  /** Whether the issuer lists `offline_access` in `scopes_supported` (read from discovery by `provider add`/`set`). */
  offlineAccess?: boolean;
  /** The base URL `oauthcli api` calls with this provider's tokens (default: the issuer's origin). */
  apiBase?: string;
}

/** Client credentials for a built-in provider, or a whole OpenID Connect issuer added by the user. */
export interface ProviderSettings extends SignInSettings {
  clientId?: string;
  clientSecret?: string;
  /** A second client for the device flow, where the provider needs another kind of client (Google). */
  deviceClientId?: string;
  deviceClientSecret?: string;
  issuer?: string;
  scopes?: string[];
  /** Apps registered by `oauthcli app create`, by host: used for sign-ins on that host. */
  apps?: Record<string, RegisteredApp>;
  /** The tenant `login` uses when --tenant is not given (Entra: a tenant id or domain, common, organizations, consumers). */
  tenant?: string;
}

/** An OpenID Connect issuer added with `provider add`, as the config holds it. */
export interface AddedIssuer extends SignInSettings {
  issuer: string;
  clientId: string;
  clientSecret?: string;
  scopes?: string[];
}

/** A container registry that `docker-credential-oauthcli` answers for with an account's token (`setup-docker --registry`). */
export interface DockerRegistry {
  provider: string;
  /** The provider's host whose account answers; the provider's default host when absent. */
  host?: string;
  /** The username docker sends with the token; the account's login (GitLab: oauth2) when absent. */
  username?: string;
}

export interface LocalProfile {
  id: string;
  createdAt: string;
}

interface ConfigData {
  accounts: Record<string, AccountMeta>;
  /** `provider:host` → key of its active account */
  active: Record<string, string>;
  /** key of the most recently signed-in or switched-to account */
  current?: string;
  providers: Record<string, ProviderSettings>;
  profile?: LocalProfile;
  /** Registry host → the account that answers docker for it. */
  dockerRegistries?: Record<string, DockerRegistry>;
  /** Where `login` stores tokens by default: keychain, pass or file (checked where it is used). */
  storage?: string;
}

export function accountKey(a: Pick<AccountMeta, 'key'>): string {
  return a.key;
}

/** The key a new account gets: by login, or by the issuer's subject for OpenID Connect providers. */
export function newAccountKey(provider: string, host: string, identity: string): string {
  return `${provider}:${host}:${identity}`;
}

const slot = (a: Pick<AccountMeta, 'provider' | 'host'>) => `${a.provider}:${a.host}`;

export class AccountStore {
  private constructor(private readonly file: ConfigFile<ConfigData>) {}

  /** Opens `<configDir>/config.json`; throws `corrupt_config` (exit 1, file untouched) for a file we cannot use. */
  static open(configDir: string): AccountStore {
    const path = join(configDir, 'config.json');
    tightenModes(path);
    return new AccountStore(ConfigFile.open(path, validateConfig, () => ({ accounts: dict(), active: dict(), providers: dict() })));
  }

  get path(): string {
    return this.file.path;
  }

  /** Fails before a sign-in starts when its result could not be saved (a read-only config folder). */
  checkWritable(): Promise<void> {
    return this.file.checkWritable();
  }

  /** Reads the config file again (under an account's lock, to see what other processes did meanwhile). */
  reload(): void {
    this.file.reload();
  }

  list(): AccountMeta[] {
    return Object.values(this.file.data.accounts);
  }

  get(key: string): AccountMeta | undefined {
    return own(this.file.data.accounts, key);
  }

  isActive(meta: AccountMeta): boolean {
    return own(this.file.data.active, slot(meta)) === meta.key;
  }

  currentKey(): string | undefined {
    return this.file.data.current;
  }

  profile(): LocalProfile | undefined {
    return this.file.data.profile;
  }

  /** The config file's default for `login --storage`, as written there. */
  defaultStorage(): string | undefined {
    return this.file.data.storage;
  }

  /** Records where an account's tokens now live (`storage migrate`). */
  async setStorage(key: string, storage: StorageKind): Promise<void> {
    await this.file.update((data) => {
      const meta = own(data.accounts, key);
      if (meta) meta.storage = storage;
    });
  }

  providerSettings(provider: string): ProviderSettings {
    return own(this.file.data.providers, provider) ?? {};
  }

  /** OpenID Connect issuers added with `oauthcli provider add`. */
  customProviders(): Record<string, AddedIssuer> {
    const out = dict<AddedIssuer>();
    for (const [name, s] of Object.entries(this.file.data.providers)) {
      if (!s.issuer || !s.clientId) continue;
      const { issuer, clientId, clientSecret, scopes, redirectUri, params, prompt, offlineAccess, apiBase } = s;
      out[name] = {
        issuer,
        clientId,
        ...(clientSecret ? { clientSecret } : {}),
        ...(scopes ? { scopes } : {}),
        ...(redirectUri ? { redirectUri } : {}),
        ...(params ? { params } : {}),
        ...(prompt ? { prompt } : {}),
        ...(offlineAccess !== undefined ? { offlineAccess } : {}),
        ...(apiBase ? { apiBase } : {}),
      };
    }
    return out;
  }

  /** Saves an account's metadata and makes it the active and current one; the first account creates the local profile. */
  async saveActive(meta: AccountMeta): Promise<void> {
    await this.file.update((data) => {
      data.accounts[meta.key] = meta;
      data.active[slot(meta)] = meta.key;
      data.current = meta.key;
      // The Web Crypto global: node:crypto's module would load on every command's start for this one call.
      data.profile ??= { id: globalThis.crypto.randomUUID(), createdAt: new Date().toISOString() };
    });
  }

  /** Marks an account whose tokens the provider refused: every command then says `login` is needed. */
  async markNeedsLogin(key: string): Promise<void> {
    await this.file.update((data) => {
      const meta = own(data.accounts, key);
      if (meta) meta.needsLogin = true;
    });
  }

  async remove(key: string): Promise<void> {
    await this.file.update((data) => {
      const removed = own(data.accounts, key);
      if (!removed) return;
      delete data.accounts[key];
      if (own(data.active, slot(removed)) === key) {
        // Hand "active" to another account of the same provider and host, if any, as gh does.
        const next = Object.values(data.accounts).find((a) => slot(a) === slot(removed))?.key;
        if (next) data.active[slot(removed)] = next;
        else delete data.active[slot(removed)];
      }
      if (data.current === key) {
        const next = own(data.active, slot(removed)) ?? Object.values(data.active)[0];
        if (next) data.current = next;
        else delete data.current;
      }
      if (Object.keys(data.accounts).length === 0) delete data.profile;
    });
  }

  /** Makes the account the active one of its provider and host, and the current one. */
  async setActive(meta: AccountMeta): Promise<void> {
    await this.file.update((data) => {
      // An account another process removed meanwhile is never made active again.
      if (!own(data.accounts, meta.key)) return;
      data.active[slot(meta)] = meta.key;
      data.current = meta.key;
    });
  }

  /** Records the app registered on a host, keeping the provider's other settings. */
  async saveRegisteredApp(provider: string, host: string, app: RegisteredApp): Promise<void> {
    await this.file.update((data) => {
      const settings = own(data.providers, provider) ?? {};
      settings.apps = Object.assign(dict<RegisteredApp>(), settings.apps, { [host]: app });
      data.providers[provider] = settings;
    });
  }

  /** Registries added with `setup-docker --registry`, by host. */
  dockerRegistries(): Record<string, DockerRegistry> {
    return this.file.data.dockerRegistries ?? dict();
  }

  async setDockerRegistry(host: string, registry: DockerRegistry | undefined): Promise<void> {
    await this.file.update((data) => {
      data.dockerRegistries ??= dict();
      if (registry) data.dockerRegistries[host] = registry;
      else delete data.dockerRegistries[host];
      if (Object.keys(data.dockerRegistries).length === 0) delete data.dockerRegistries;
    });
  }

  async setProviderSettings(name: string, settings: ProviderSettings | undefined): Promise<void> {
    await this.file.update((data) => {
      if (settings) data.providers[name] = settings;
      else delete data.providers[name];
    });
  }
}

/** A key's own value: `__proto__` and other Object.prototype names are never entries. */
function own<V>(record: Record<string, V>, key: string): V | undefined {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}

/** A record without a prototype: a key such as `__proto__` from the file stays a plain entry. */
const dict = <V>(): Record<string, V> => Object.create(null) as Record<string, V>;

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** What a config file must look like to be used; anything else is reported, never "repaired". */
function validateConfig(raw: unknown): ConfigData {
  if (!isObject(raw)) throw new Error(`it holds ${describe(raw)} instead of an object`);
  const section = (name: string): Record<string, unknown> => {
    const value = raw[name] === undefined ? {} : raw[name];
    if (!isObject(value)) throw new Error(`"${name}" is ${describe(value)} instead of an object`);
    return value;
  };
  const accounts: Record<string, AccountMeta> = dict();
  for (const [key, value] of Object.entries(section('accounts'))) {
    if (!isObject(value) || typeof value.provider !== 'string' || typeof value.host !== 'string' || typeof value.login !== 'string') {
      throw new Error(`the account "${key}" is ${isObject(value) ? 'missing its provider, host or login' : describe(value)}`);
    }
    const storage = value.storage === 'insecure-file' || value.storage === 'pass' ? value.storage : 'keychain';
    accounts[key] = {
      ...(value as unknown as AccountMeta),
      // The map key is the account's identity (and its keychain entry's name), whatever the entry says.
      key,
      id: typeof value.id === 'string' ? value.id : String(value.id ?? ''),
      scopes: Array.isArray(value.scopes) ? value.scopes.filter((s): s is string => typeof s === 'string') : [],
      storage,
      signedInAt: typeof value.signedInAt === 'string' ? value.signedInAt : '',
    };
  }
  const active: Record<string, string> = dict();
  for (const [slotKey, value] of Object.entries(section('active'))) {
    if (typeof value !== 'string') throw new Error(`"active.${slotKey}" is ${describe(value)} instead of an account key`);
    active[slotKey] = value;
  }
  const providers: Record<string, ProviderSettings> = dict();
  for (const [name, value] of Object.entries(section('providers'))) {
    if (!isObject(value)) throw new Error(`the provider settings "${name}" are ${describe(value)} instead of an object`);
    providers[name] = value as ProviderSettings;
  }
  const data: ConfigData = { accounts, active, providers };
  if (typeof raw.current === 'string') data.current = raw.current;
  if (typeof raw.storage === 'string') data.storage = raw.storage;
  if (isObject(raw.profile) && typeof raw.profile.id === 'string') data.profile = raw.profile as unknown as LocalProfile;
  if (raw.dockerRegistries !== undefined) {
    const registries: Record<string, DockerRegistry> = dict();
    for (const [host, value] of Object.entries(section('dockerRegistries'))) {
      if (!isObject(value) || typeof value.provider !== 'string') throw new Error(`the docker registry "${host}" is ${isObject(value) ? 'missing its provider' : describe(value)}`);
      registries[host] = {
        provider: value.provider,
        ...(typeof value.host === 'string' ? { host: value.host } : {}),
        ...(typeof value.username === 'string' ? { username: value.username } : {}),
      };
    }
    data.dockerRegistries = registries;
  }
  return data;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'string' ? 'a string' : `a ${typeof value}`;
}
