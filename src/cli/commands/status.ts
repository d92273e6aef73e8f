// `oauthcli status`: every account (stored, or given by OAUTHCLI_<PROVIDER>_TOKEN), and whether
// its token still works: each provider is asked, all at once, each with a short timeout
// (`--offline` asks nobody). ✓ works, ✗ does not (exit 1), ? could not tell.
import { AppError } from '../../errors.js';
import { envAccounts, fetchSessionProfile, openSession } from '../../session.js';
import type { AccountMeta } from '../../store/accounts.js';
import type { TokenSet } from '../../token-set.js';
import { printJson } from '../jq.js';
import { formatExpiry, paintFor, safeText, writeResult } from '../output.js';
import type { World } from '../world.js';

export interface StatusOptions {
  json?: boolean;
  jq?: string;
  offline?: boolean;
}

/** How long one provider may take to say whether a token works. */
const CHECK_TIMEOUT_MS = 10_000;

const STORAGE_LABEL = { keychain: 'keychain', pass: 'pass', 'insecure-file': 'insecure file', env: 'env' } as const;

interface Row {
  provider: string;
  host: string;
  login: string;
  active: boolean;
  current: boolean;
  scopes: string[];
  expiresAt: string | null;
  storage: (typeof STORAGE_LABEL)[keyof typeof STORAGE_LABEL];
  valid: boolean | null;
  /** Why not valid, or why it could not be told. */
  problem?: string;
  needsLogin: boolean;
}

export async function run(world: World, opts: StatusOptions): Promise<number> {
  const fromEnv = envAccounts(world);
  const stored = world.accounts.list().sort((a, b) => `${a.provider} ${a.host} ${a.login}`.localeCompare(`${b.provider} ${b.host} ${b.login}`));
  const rows = await Promise.all([...fromEnv, ...stored].map((a) => row(world, a, Boolean(opts.offline))));
  const anyInvalid = rows.some((r) => r.valid === false);
  if (opts.json || opts.jq) {
    const out = rows.map(({ current, needsLogin, problem, ...r }) => ({ ...r, current, needsLogin, ...(problem ? { problem: world.redact(problem) } : {}) }));
    await printJson(world, out, opts.jq);
    return anyInvalid ? 1 : 0;
  }
  if (rows.length === 0) {
    await writeResult(world, 'No accounts are signed in. Run: oauthcli login github\n');
    return 0;
  }
  const paint = await paintFor(world, world.stdout);
  const providers = [...new Set(rows.map((r) => world.providers.get(r.provider).displayName))];
  const lines: string[] = [`Connected to ${providers.join(', ')}`];
  let lastHeading = '';
  for (const r of rows) {
    const heading = `${r.host} (${r.provider})`;
    if (heading !== lastHeading) lines.push(`\n${paint.bold(heading)}`);
    lastHeading = heading;
    const mark = r.valid === true ? paint.green('✓') : r.valid === false ? paint.red('✗') : opts.offline ? '-' : paint.yellow('?');
    const marks = [r.active ? 'active' : '', r.current ? 'current' : ''].filter(Boolean).join(', ');
    const who = r.storage === 'env' ? `${r.login ? `${safeText(r.login)} ` : ''}(from OAUTHCLI_${world.providers.get(r.provider).envName}_TOKEN)` : safeText(r.login);
    lines.push(`  ${mark} ${who}${marks ? ` (${marks})` : ''}`);
    const state = r.needsLogin
      ? paint.red('sign-in expired: run oauthcli login again')
      : r.valid === false
        ? paint.red(`does not work: ${safeText(world.redact(r.problem ?? 'refused'))}`)
        : `${formatExpiry(r.expiresAt)}${r.valid === null && r.problem ? paint.yellow(` (not checked: ${safeText(world.redact(r.problem))})`) : ''}`;
    lines.push(`    Token:   ${state}`);
    lines.push(`    Scopes:  ${r.scopes.length ? r.scopes.map(safeText).join(', ') : 'none'}`);
    lines.push(`    Storage: ${r.storage === 'insecure file' ? paint.yellow(r.storage) : r.storage}`);
  }
  await writeResult(world, `${lines.join('\n')}\n`);
  return anyInvalid ? 1 : 0;
}

async function row(world: World, account: AccountMeta, offline: boolean): Promise<Row> {
  const base = {
    provider: account.provider,
    host: account.host,
    login: account.login,
    active: account.storage === 'env' || world.accounts.isActive(account),
    current: world.accounts.currentKey() === account.key,
    needsLogin: Boolean(account.needsLogin),
    storage: STORAGE_LABEL[account.storage],
  };
  let tokens: TokenSet | undefined;
  try {
    if (account.storage !== 'env') tokens = await world.secrets(account.storage).get(account.key);
  } catch (error) {
    // A keychain we cannot read makes the row unknown, not the command fatal.
    return { ...base, scopes: account.scopes, expiresAt: null, valid: null, problem: error instanceof AppError ? error.message : String(error) };
  }
  const known = { ...base, scopes: tokens?.scopes ?? account.scopes, expiresAt: tokens?.expiresAt ?? null };
  if (account.storage !== 'env' && !tokens) return { ...known, valid: false, problem: 'no token in storage' };
  if (account.needsLogin) return { ...known, valid: false, problem: 'the provider refused it' };
  if (offline) return { ...known, valid: null };
  const verdict = await check(world, account);
  const { tokens: checked, login, ...outcome } = verdict;
  return { ...known, ...outcome, ...(login ? { login } : {}), ...(checked ? { scopes: checked.scopes, expiresAt: checked.expiresAt ?? null } : {}) };
}

/** Asks the provider who the token belongs to (refreshing it first when it is about to expire, as any command would). */
async function check(world: World, account: AccountMeta): Promise<{ valid: boolean | null; problem?: string; login?: string; tokens?: TokenSet }> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), CHECK_TIMEOUT_MS);
  const signal = AbortSignal.any([world.signal, controller.signal]);
  try {
    // Only an expired token is refreshed first: asking is not a reason to rotate a working one.
    const session = await openSession({ ...world, signal }, account, { marginMs: 0 });
    const profile = await fetchSessionProfile(world, session, signal);
    // Userinfo refused a token meant for another API: who it is for is known, whether it works is not.
    if (profile.from === 'id-token') return { valid: null, problem: 'a token for another API than the provider\'s userinfo, which cannot be asked about it', login: profile.login, tokens: session.tokens };
    return { valid: true, login: profile.login, tokens: { ...session.tokens, scopes: profile.scopes ?? session.tokens.scopes } };
  } catch (error) {
    if (world.signal.aborted) throw error;
    if (controller.signal.aborted) return { valid: null, problem: `no answer within ${CHECK_TIMEOUT_MS / 1000} s` };
    if (error instanceof AppError && error.kind === 'not-signed-in') return { valid: false, problem: error.message.replace(/\. Run: .*$/, '') };
    return { valid: null, problem: error instanceof AppError ? error.message : String(error) };
  } finally {
    clearTimeout(timer);
  }
}
