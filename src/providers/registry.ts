// Provider name → provider: the built-in ones, and OpenID Connect issuers added to the config.
// Adding a provider means adding a file here, not touching oauth or cli.
import { usageError } from '../errors.js';
import { github } from './github.js';
import { gitlab } from './gitlab.js';
import { google } from './google.js';
import { customProvider, type CustomProviderConfig } from './oidc.js';
import type { Provider } from './types.js';

export const BUILT_IN: Readonly<Record<string, Provider>> = { github, google, gitlab };

export class ProviderRegistry {
  constructor(private readonly custom: Readonly<Record<string, CustomProviderConfig>> = {}) {}

  names(): string[] {
    return [...Object.keys(BUILT_IN), ...Object.keys(this.custom)];
  }

  get(name: string): Provider {
    const key = name.toLowerCase();
    const builtIn = BUILT_IN[key];
    if (builtIn) return builtIn;
    const config = this.custom[key];
    if (config) return customProvider(key, config);
    throw usageError(`unknown provider '${name}' (known: ${this.names().join(', ')}; add an OpenID Connect issuer with oauthcli provider add)`, 'unknown_provider');
  }
}

/** Normalises --hostname: lower case, no scheme, no trailing slash. */
export function normalizeHost(provider: Provider, hostname: string | undefined): string {
  if (hostname === undefined || hostname === '') return provider.defaultHost;
  const host = hostname.trim().toLowerCase().replace(/^https?:\/\//, '').replace(/\/+$/, '');
  if (!/^(\[[0-9a-f:.]+\]|[a-z0-9.-]+)(:\d{1,5})?$/.test(host)) throw usageError(`invalid --hostname '${hostname}'`, 'bad_hostname');
  if (!provider.multiHost && host !== provider.defaultHost) {
    throw usageError(`${provider.displayName} lives on ${provider.defaultHost}; --hostname does not apply`, 'bad_hostname');
  }
  return host;
}
