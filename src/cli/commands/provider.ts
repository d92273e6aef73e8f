// `oauthcli provider add|list|remove`: OpenID Connect issuers the user adds by name.
import { usageError } from '../../errors.js';
import { discoverIssuer } from '../../oauth/discovery.js';
import { BUILT_IN } from '../../providers/registry.js';
import { checkIssuerUrl } from '../../providers/oidc.js';
import { writeResult } from '../output.js';
import type { World } from '../world.js';

export interface AddOptions {
  issuer: string;
  clientId: string;
  clientSecret?: string;
  scopes?: string;
}

const NAME = /^[a-z][a-z0-9-]{0,31}$/;

export async function add(world: World, name: string, opts: AddOptions): Promise<number> {
  const key = name.toLowerCase();
  if (!NAME.test(key)) throw usageError(`a provider name is lower-case letters, digits and dashes, starting with a letter: '${name}'`, 'bad_name');
  if (BUILT_IN[key]) throw usageError(`'${key}' is a built-in provider; choose another name`, 'bad_name');
  const issuer = checkIssuerUrl(opts.issuer);
  // Discovery now, so a typo is found here and not at the first login.
  const meta = await discoverIssuer(await world.http(), issuer, world.signal);
  const scopes = opts.scopes?.split(/[\s,]+/).filter(Boolean);
  world.accounts.setProviderSettings(key, {
    issuer,
    clientId: opts.clientId,
    ...(opts.clientSecret ? { clientSecret: opts.clientSecret } : {}),
    ...(scopes?.length ? { scopes } : {}),
  });
  const flows = ['browser (PKCE)', ...(meta.device_authorization_endpoint ? ['device'] : [])].join(' and ');
  world.info(`✓ Added ${key} (${issuer}): ${flows} flow${meta.device_authorization_endpoint ? 's' : ''}${meta.revocation_endpoint ? ', revocation' : ''}. Sign in with: oauthcli login ${key}`);
  return 0;
}

export async function list(world: World, opts: { json?: boolean }): Promise<number> {
  const custom = world.accounts.customProviders();
  const rows = [
    ...Object.values(BUILT_IN).map((p) => ({ name: p.name, kind: 'built-in', issuer: p.defaultHost, clientId: null as string | null })),
    ...Object.entries(custom).map(([name, c]) => ({ name, kind: 'openid-connect', issuer: c.issuer, clientId: c.clientId })),
  ];
  if (opts.json) await writeResult(world, `${JSON.stringify(rows, null, 2)}\n`);
  else await writeResult(world, rows.map((r) => `${r.name.padEnd(16)}${r.kind.padEnd(16)}${r.issuer}`).join('\n') + '\n');
  return 0;
}

export async function remove(world: World, name: string): Promise<number> {
  const key = name.toLowerCase();
  if (BUILT_IN[key]) throw usageError(`'${key}' is a built-in provider and cannot be removed`, 'bad_name');
  if (!world.accounts.customProviders()[key]) throw usageError(`no provider named '${key}' was added`, 'unknown_provider');
  const signedIn = world.accounts.list().filter((a) => a.provider === key);
  if (signedIn.length) throw usageError(`${signedIn.length} account(s) still use ${key}: run oauthcli logout ${key} first`, 'provider_in_use');
  world.accounts.setProviderSettings(key, undefined);
  world.info(`✓ Removed ${key}`);
  return 0;
}
