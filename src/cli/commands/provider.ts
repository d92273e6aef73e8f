// `oauthcli provider add|list|remove`: OpenID Connect issuers the user adds by name.
import { failure, usageError } from '../../errors.js';
import { discoverIssuer } from '../../oauth/discovery.js';
import { BUILT_IN } from '../../providers/registry.js';
import { checkIssuerUrl } from '../../providers/oidc.js';
import { printJson } from '../jq.js';
import { writeResult } from '../output.js';
import { readStdin } from '../stdin.js';
import type { World } from '../world.js';
import { splitList } from './login.js';

export interface AddOptions {
  issuer: string;
  clientId: string;
  clientSecret?: string;
  clientSecretStdin?: boolean;
  scopes?: string;
}

const NAME = /^[a-z][a-z0-9-]{0,31}$/;

export async function add(world: World, name: string, opts: AddOptions): Promise<number> {
  const key = name.toLowerCase();
  if (!NAME.test(key)) throw usageError(`a provider name is lower-case letters, digits and dashes, starting with a letter: '${name}'`, 'bad_name');
  if (BUILT_IN.has(key)) throw usageError(`'${key}' is a built-in provider; choose another name`, 'bad_name');
  if (opts.clientSecret !== undefined && opts.clientSecretStdin) throw usageError('choose one of --client-secret and --client-secret-stdin');
  const issuer = checkIssuerUrl(opts.issuer);
  // A secret on the command line lands in shell history and `ps`; stdin keeps it out of both.
  const clientSecret = opts.clientSecretStdin ? await readSecret(world) : opts.clientSecret;
  world.rememberSecret(clientSecret);
  // Discovery now, so a typo is found here and not at the first login.
  const meta = await discoverIssuer(await world.http(), issuer, world.signal);
  const scopes = opts.scopes ? splitList(opts.scopes) : undefined;
  await world.accounts.setProviderSettings(key, {
    issuer,
    clientId: opts.clientId,
    ...(clientSecret ? { clientSecret } : {}),
    ...(scopes?.length ? { scopes } : {}),
  });
  const flows = ['browser (PKCE)', ...(meta.device_authorization_endpoint ? ['device'] : [])].join(' and ');
  world.info(`✓ Added ${key} (${issuer}): ${flows} flow${meta.device_authorization_endpoint ? 's' : ''}${meta.revocation_endpoint ? ', revocation' : ''}. Sign in with: oauthcli login ${key}`);
  return 0;
}

export async function list(world: World, opts: { json?: boolean; jq?: string }): Promise<number> {
  const custom = world.accounts.customProviders();
  const rows = [
    ...[...BUILT_IN.values()].map((p) => ({ name: p.name, kind: 'built-in', issuer: p.defaultHost, clientId: world.accounts.providerSettings(p.name).clientId ?? null })),
    ...Object.entries(custom).map(([name, c]) => ({ name, kind: 'openid-connect', issuer: c.issuer, clientId: c.clientId })),
  ];
  if (opts.json || opts.jq) await printJson(world, rows, opts.jq);
  else await writeResult(world, rows.map((r) => `${r.name.padEnd(16)}${r.kind.padEnd(16)}${r.issuer}`).join('\n') + '\n');
  return 0;
}

export async function remove(world: World, name: string): Promise<number> {
  const key = name.toLowerCase();
  if (BUILT_IN.has(key)) throw usageError(`'${key}' is a built-in provider and cannot be removed`, 'bad_name');
  if (!Object.hasOwn(world.accounts.customProviders(), key)) throw usageError(`no provider named '${key}' was added`, 'unknown_provider');
  const signedIn = world.accounts.list().filter((a) => a.provider === key);
  if (signedIn.length) throw usageError(`${signedIn.length} account(s) still use ${key}: run oauthcli logout ${key} first`, 'provider_in_use');
  await world.accounts.setProviderSettings(key, undefined);
  world.info(`✓ Removed ${key}`);
  return 0;
}

async function readSecret(world: World): Promise<string> {
  if (world.stdin.isTTY) throw usageError('--client-secret-stdin reads the secret from stdin: pipe it in, e.g. oauthcli provider add … --client-secret-stdin < secret.txt');
  const secret = (await readStdin(world, 4096, () => failure('the client secret read from stdin is longer than 4 KB; is that the right file?', { code: 'secret_too_long' }))).trim();
  if (!secret) throw usageError('--client-secret-stdin read nothing from stdin');
  return secret;
}
