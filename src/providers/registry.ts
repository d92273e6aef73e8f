// Provider name → provider. Adding one means adding a file here, not touching oauth or cli.
import { usageError } from '../errors.js';
import { github } from './github.js';
import type { Provider } from './types.js';

const PROVIDERS: Record<string, Provider> = { github };

export function providerNames(): string[] {
  return Object.keys(PROVIDERS);
}

export function getProvider(name: string): Provider {
  const provider = PROVIDERS[name.toLowerCase()];
  if (!provider) throw usageError(`unknown provider '${name}' (known: ${providerNames().join(', ')})`, 'unknown_provider');
  return provider;
}

/** Normalises --hostname: lower case, no scheme, no trailing slash. */
export function normalizeHost(provider: Provider, hostname: string | undefined): string {
  if (hostname === undefined || hostname === '') return provider.defaultHost;
  const host = hostname.trim().toLowerCase().replace(/^https?:\/\//, '').replace(/\/+$/, '');
  if (!/^(\[[0-9a-f:.]+\]|[a-z0-9.-]+)(:\d{1,5})?$/.test(host)) throw usageError(`invalid --hostname '${hostname}'`, 'bad_hostname');
  return host;
}
