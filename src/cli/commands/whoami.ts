// `oauthcli whoami [provider]`: the profile, fetched live with the stored token. With no
// provider and several linked identities, each of them.
import { AppError } from '../../errors.js';
import { describeAccount } from '../../session/account-choice.js';
import { openSession } from '../../session/open-session.js';
import { fetchSessionProfile } from '../../session/profile.js';
import type { AccountMeta } from '../../store/accounts.js';
import { EXIT_CODES } from '../errors.js';
import { printJson } from '../json/jq.js';
import { formatExpiry } from '../terminal/expiry.js';
import { paintFor } from '../terminal/paint.js';
import { safeText } from '../terminal/safe-text.js';
import { writeResult } from '../terminal/streams.js';
import type { World } from '../world.js';

export interface WhoamiOptions {
  hostname?: string;
  user?: string;
  json?: boolean;
  jq?: string;
}

/** The contract's `whoami --json` object. */
export interface Identity {
  provider: string;
  host: string;
  login: string;
  id: string;
  name: string | null;
  email: string | null;
  url: string | null;
  scopes: string[];
  expiresAt: string | null;
  /** The directory (Entra's tenant id), for providers with tenants. */
  tenant?: string;
}

async function identity(world: World, account: AccountMeta): Promise<Identity> {
  const session = await openSession(world, account);
  const profile = await fetchSessionProfile(world, session);
  return {
    provider: account.provider,
    host: account.host,
    login: profile.login,
    id: profile.id,
    name: profile.name,
    email: profile.email,
    url: profile.url,
    scopes: profile.scopes ?? session.tokens.scopes,
    expiresAt: session.tokens.expiresAt ?? null,
    ...(profile.tenant ? { tenant: profile.tenant } : {}),
  };
}

export async function run(world: World, provider: string | undefined, opts: WhoamiOptions): Promise<number> {
  const stored = world.accounts.list();
  if (provider || opts.hostname || opts.user || stored.length <= 1) {
    const account = world.selectAccount({ provider, hostname: opts.hostname, user: opts.user });
    const who = await identity(world, account);
    if (opts.json || opts.jq) await printJson(world, who, opts.jq);
    else await writeResult(world, await block(world, who));
    return 0;
  }
  return linkedProfile(world, stored, opts);
}

/** Every identity linked to the local profile, each fetched live (in parallel). */
async function linkedProfile(world: World, accounts: AccountMeta[], opts: WhoamiOptions): Promise<number> {
  const current = world.accounts.currentKey();
  const sorted = [...accounts].sort((a, b) => Number(b.key === current) - Number(a.key === current) || a.key.localeCompare(b.key));
  const results = await Promise.all(
    sorted.map(async (account) => {
      try {
        return { account, who: await identity(world, account) };
      } catch (error) {
        if (error instanceof AppError && error.kind === 'interrupted') throw error;
        return { account, error: error instanceof AppError ? error : new AppError('failure', String(error)) };
      }
    }),
  );
  const first = results.find((r) => r.who)?.who;
  if (opts.json || opts.jq) {
    const identities = results.map(({ account, who, error }) => ({
      ...(who ?? { provider: account.provider, host: account.host, login: account.login, id: account.id }),
      active: world.accounts.isActive(account),
      current: account.key === current,
      ...(error ? { error: world.redact(error.message) } : {}),
    }));
    // The contract's fields describe the current identity; `profile` and `identities` add the rest.
    const doc = { ...first, profile: world.accounts.profile() ?? null, identities };
    await printJson(world, doc, opts.jq);
  } else {
    const paint = await paintFor(world, world.stdout);
    const parts: string[] = [`${results.length} linked identities\n`];
    for (const { account, who, error } of results) {
      const marks = [world.accounts.isActive(account) ? 'active' : '', account.key === current ? 'current' : ''].filter(Boolean).join(', ');
      parts.push(`${paint.bold(`${account.provider} · ${account.host} · ${safeText(describeAccount(account))}`)}${marks ? ` (${marks})` : ''}\n`);
      parts.push(who ? indent(await block(world, who)) : `  ${paint.red(safeText(world.redact(error!.message)))}\n`);
    }
    await writeResult(world, parts.join('\n'));
  }
  const failed = results.filter((r) => r.error).map((r) => EXIT_CODES[r.error!.kind]);
  return failed.length ? Math.max(...failed) : 0;
}

async function block(world: World, who: Identity): Promise<string> {
  const paint = await paintFor(world, world.stdout);
  const provider = world.providers.get(who.provider);
  const rows: Array<[string, string]> = [
    ['Login', paint.bold(safeText(who.login))],
    ['Name', who.name ? safeText(who.name) : '—'],
    ['Email', who.email ? safeText(who.email) : '—'],
    ['Profile', who.url ? safeText(who.url) : '—'],
    ['Host', `${who.host} (${provider.displayName})`],
    ...(who.tenant ? ([['Tenant', safeText(who.tenant)]] as Array<[string, string]>) : []),
    ['Scopes', who.scopes.length ? who.scopes.map(safeText).join(', ') : 'none'],
    ['Token', formatExpiry(who.expiresAt)],
  ];
  return rows.map(([k, v]) => `${`${k}:`.padEnd(9)}${v}\n`).join('');
}

function indent(text: string): string {
  return text.replace(/^(?=.)/gm, '  ');
}
