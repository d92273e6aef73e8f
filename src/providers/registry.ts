// Provider name → provider: the built-in ones, and OpenID Connect issuers added to the config.
// Adding a provider means adding a file here, not touching oauth or cli.
import { usageError } from '../errors.js';
import { entra } from './entra.js';
import { github } from './github.js';
import { gitlab } from './gitlab.js';
import { google } from './google.js';
import { customProvider, type CustomProviderConfig } from './oidc.js';
import type { Provider } from './types.js';

export const BUILT_IN: ReadonlyMap<string, Provider> = new Map([github, google, gitlab, entra].map((p) => [p.name, p]));

export class ProviderRegistry {
  private readonly custom: ReadonlyMap<string, CustomProviderConfig>;

  constructor(custom: Readonly<Record<string, CustomProviderConfig>> = {}) {
    this.custom = new Map(Object.entries(custom));
  }

  names(): string[] {
    return [...BUILT_IN.keys(), ...this.custom.keys()];
  }

  builtIn(): Provider[] {
    return [...BUILT_IN.values()];
  }

  /** The provider called `name`; a usage error (exit 2) for any other name, `__proto__` and `constructor` included. */
  get(name: string): Provider {
    const key = name.toLowerCase();
    const builtIn = BUILT_IN.get(key);
    if (builtIn) return builtIn;
    const config = this.custom.get(key);
    if (config) return customProvider(key, config);
    throw usageError(`unknown provider '${name}' (known: ${this.names().join(', ')}; add an OpenID Connect issuer with oauthcli provider add)`, 'unknown_provider');
  }
}

/** The host a provider means when none is named: OAUTHCLI_<PROVIDER>_HOST, else (GitHub) GH_HOST, else its own. */
export function defaultHostFor(provider: Provider, env: NodeJS.ProcessEnv): string {
  const foreign = provider.foreignEnv ? env[provider.foreignEnv.host] : undefined;
  const fromEnv = provider.multiHost ? env[`OAUTHCLI_${provider.envName}_HOST`] || foreign : undefined;
  return fromEnv ? normalizeHost(provider, fromEnv, provider.defaultHost) : provider.defaultHost;
}

/** Normalises --hostname: lower case, no scheme, no trailing slash, a port in 1–65535. */
export function normalizeHost(provider: Provider, hostname: string | undefined, fallback = provider.defaultHost): string {
  if (hostname === undefined || hostname === '') return fallback;
  const host = hostname.trim().toLowerCase().replace(/^https?:\/\//, '').replace(/\/+$/, '');
  const m = /^(\[[0-9a-f:.]+\]|[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*)(?::(\d{1,5}))?$/.exec(host);
  const port = m?.[2] === undefined ? undefined : Number(m[2]);
  if (!m || (port !== undefined && (port < 1 || port > 65_535))) throw usageError(`invalid --hostname '${hostname}' (HOST or HOST:PORT, with a port from 1 to 65535)`, 'bad_hostname');
  if (!provider.multiHost && host !== provider.defaultHost) {
    throw usageError(`${provider.displayName} lives on ${provider.defaultHost}; --hostname does not apply`, 'bad_hostname');
  }
  return host;
}
