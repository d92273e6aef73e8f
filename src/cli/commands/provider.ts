// `oauthcli provider add|list|remove`: OpenID Connect issuers the user adds by name.
import { failure, usageError } from '../../errors.js';
import { BUILT_IN } from '../../providers/registry.js';
import { checkIssuerUrl, customProvider, issuerOffer } from '../../providers/oidc.js';
import { checkApiBase, checkParams, checkPrompt, checkRedirectUri, parseParams, redirectUriForPort } from '../../providers/oidc-settings.js';
import type { AddedIssuer } from '../../store/accounts.js';
import { printJson } from '../json/jq.js';
import { writeResult } from '../terminal/streams.js';
import { readStdin } from '../terminal/stdin.js';
import type { World } from '../world.js';
import { splitList } from './login.js';

/** The sign-in settings `provider add` and `provider set` take (see docs: one recipe per identity provider). */
export interface SettingOptions {
  redirectPort?: string;
  redirectUri?: string;
  param?: string[];
  prompt?: string;
  apiBase?: string;
  scopes?: string;
}

export interface AddOptions extends SettingOptions {
  issuer: string;
  clientId: string;
  clientSecret?: string;
  clientSecretStdin?: boolean;
}

export interface SetOptions extends SettingOptions {
  issuer?: string;
  clientId?: string;
  clientSecret?: string;
  clientSecretStdin?: boolean;
}

const NAME = /^[a-z][a-z0-9-]{0,31}$/;

export async function add(world: World, name: string, opts: AddOptions): Promise<number> {
  const key = name.toLowerCase();
  if (!NAME.test(key)) throw usageError(`a provider name is lower-case letters, digits and dashes, starting with a letter: '${name}'`, 'bad_name');
  if (BUILT_IN.has(key)) throw usageError(`'${key}' is a built-in provider; choose another name`, 'bad_name');
  if (opts.clientSecret !== undefined && opts.clientSecretStdin) throw usageError('choose one of --client-secret and --client-secret-stdin');
  const issuer = checkIssuerUrl(opts.issuer);
  const changes = settingChanges(opts);
  // A secret on the command line lands in shell history and `ps`; stdin keeps it out of both.
  const clientSecret = opts.clientSecretStdin ? await readSecret(world) : opts.clientSecret;
  world.rememberSecret(clientSecret);
  // Adding again under the same name replaces every setting, as a fresh `add` would make them.
  const settings: AddedIssuer = { issuer, clientId: opts.clientId, ...(clientSecret ? { clientSecret } : {}) };
  await save(world, key, applyChanges(settings, changes), 'Added');
  return 0;
}

/** `provider set NAME …`: changes the named settings of an added issuer and keeps the others; an empty value removes one. */
export async function set(world: World, name: string, opts: SetOptions): Promise<number> {
  const key = name.toLowerCase();
  if (BUILT_IN.has(key)) throw usageError(`'${key}' is a built-in provider; provider set changes providers added with provider add`, 'bad_name');
  const current = world.accounts.customProviders()[key];
  if (!current) throw usageError(`no provider named '${key}' was added; add it with oauthcli provider add ${key} --issuer URL --client-id ID`, 'unknown_provider');
  if (opts.clientSecret !== undefined && opts.clientSecretStdin) throw usageError('choose one of --client-secret and --client-secret-stdin');
  const changes = settingChanges(opts);
  const settings: AddedIssuer = { ...current };
  if (opts.issuer !== undefined) settings.issuer = checkIssuerUrl(opts.issuer);
  if (opts.clientId !== undefined) {
    if (!opts.clientId) throw usageError('--client-id cannot be empty');
    settings.clientId = opts.clientId;
  }
  const clientSecret = opts.clientSecretStdin ? await readSecret(world) : opts.clientSecret;
  world.rememberSecret(clientSecret);
  if (clientSecret !== undefined) {
    if (clientSecret) settings.clientSecret = clientSecret;
    else delete settings.clientSecret;
  }
  const changed = opts.issuer !== undefined || opts.clientId !== undefined || clientSecret !== undefined || Object.keys(changes).length > 0;
  if (!changed) throw usageError('name at least one setting to change, e.g. --redirect-port 8400');
  await save(world, key, applyChanges(settings, changes), 'Updated');
  return 0;
}

/** What the options change: `undefined` values remove a setting. */
interface Changes {
  redirectUri?: string | undefined;
  params?: Record<string, string | undefined>;
  prompt?: string | undefined;
  apiBase?: string | undefined;
  scopes?: string[] | undefined;
}

function settingChanges(opts: SettingOptions): Changes {
  const changes: Changes = {};
  if (opts.redirectPort !== undefined && opts.redirectUri !== undefined) throw usageError('choose one of --redirect-port and --redirect-uri');
  if (opts.redirectPort !== undefined) changes.redirectUri = opts.redirectPort === '' ? undefined : redirectUriForPort(opts.redirectPort);
  if (opts.redirectUri !== undefined) changes.redirectUri = opts.redirectUri === '' ? undefined : checkRedirectUri(opts.redirectUri);
  if (opts.param?.length) {
    const params: Record<string, string | undefined> = {};
    for (const pair of opts.param) {
      // KEY= (no value) removes the parameter.
      if (pair.endsWith('=')) for (const k of Object.keys(checkParams({ [pair.slice(0, -1)]: '' }))) params[k] = undefined;
      else Object.assign(params, parseParams([pair]));
    }
    changes.params = params;
  }
  if (opts.prompt !== undefined) changes.prompt = opts.prompt === '' ? undefined : checkPrompt(opts.prompt);
  if (opts.apiBase !== undefined) changes.apiBase = opts.apiBase === '' ? undefined : checkApiBase(opts.apiBase);
  if (opts.scopes !== undefined) {
    const scopes = splitList(opts.scopes);
    changes.scopes = scopes.length ? scopes : undefined;
  }
  return changes;
}

function applyChanges(settings: AddedIssuer, changes: Changes): AddedIssuer {
  const out: AddedIssuer = { ...settings };
  const put = <K extends 'redirectUri' | 'prompt' | 'apiBase' | 'scopes'>(k: K) => {
    if (!(k in changes)) return;
    const value = changes[k];
    if (value === undefined) delete out[k];
    else out[k] = value as AddedIssuer[K];
  };
  put('redirectUri');
  put('prompt');
  put('apiBase');
  put('scopes');
  if (changes.params) {
    const params: Record<string, string> = { ...out.params };
    for (const [k, v] of Object.entries(changes.params)) {
      if (v === undefined) delete params[k];
      else params[k] = v;
    }
    if (Object.keys(params).length) out.params = params;
    else delete out.params;
  }
  return out;
}

/** Discovery now, so a typo is found here and not at the first login; it also tells whether offline_access is known. */
async function save(world: World, key: string, settings: AddedIssuer, verb: 'Added' | 'Updated'): Promise<void> {
  const offer = await issuerOffer(await world.http(), settings.issuer, world.signal);
  const { offlineAccess } = offer;
  const saved: AddedIssuer = { ...settings, offlineAccess };
  // The provider as login will build it: a setting it would refuse is refused now.
  customProvider(key, saved);
  await world.accounts.setProviderSettings(key, saved);
  const flows = ['browser (PKCE)', ...(offer.device ? ['device'] : [])].join(' and ');
  const scopes = saved.scopes ?? ['openid', 'profile', 'email', ...(offlineAccess ? ['offline_access'] : [])];
  world.info(`✓ ${verb} ${key} (${settings.issuer}): ${flows} flow${offer.device ? 's' : ''}${offer.revocation ? ', revocation' : ''}. Sign in with: oauthcli login ${key}`);
  world.info(`  scopes: ${scopes.join(' ')}${saved.redirectUri ? `; redirect URI (register it exactly): ${saved.redirectUri}` : ''}`);
}

export async function list(world: World, opts: { json?: boolean; jq?: string }): Promise<number> {
  const custom = world.accounts.customProviders();
  const rows = [
    ...[...BUILT_IN.values()].map((p) => ({ name: p.name, kind: 'built-in', issuer: p.defaultHost, clientId: world.accounts.providerSettings(p.name).clientId ?? null })),
    ...Object.entries(custom).map(([name, c]) => ({
      name,
      kind: 'openid-connect',
      issuer: c.issuer,
      clientId: c.clientId,
      ...(c.redirectUri ? { redirectUri: c.redirectUri } : {}),
      ...(c.params ? { params: c.params } : {}),
      ...(c.prompt ? { prompt: c.prompt } : {}),
      ...(c.scopes ? { scopes: c.scopes } : {}),
      ...(c.apiBase ? { apiBase: c.apiBase } : {}),
    })),
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
