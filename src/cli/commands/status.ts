// `oauthcli status`: every account (stored, or given by OAUTHCLI_<PROVIDER>_TOKEN), and whether
// its token still works: each provider is asked, all at once, each with a short timeout
// (`--offline` asks nobody). ✓ works, ✗ does not (exit 1), ? could not tell. `-h HOST` limits it
// to one host, as `gh auth status -h`.
import { AppError } from '../../errors.js';
import { envAccounts } from '../../session/env-accounts.js';
import { openSession } from '../../session/open-session.js';
import { fetchSessionProfile } from '../../session/profile.js';
import type { AccountMeta } from '../../store/accounts.js';
import type { TokenSet } from '../../token-set.js';
import { printJson } from '../json/jq.js';
import { formatExpiry } from '../terminal/expiry.js';
import { paintFor } from '../terminal/paint.js';
import { safeText } from '../terminal/safe-text.js';
import { writeResult } from '../terminal/streams.js';
import type { World } from '../world.js';

export interface StatusOptions {
  hostname?: string;
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
  /** The variable a token from the environment is in. */
  envVar?: string;
  /** The keychain (or file) could not be read: said once for all rows, not on each. */
  storageError?: string;
}

/**
 * Exit 1, as `gh auth status`, when no account is signed in (on the host -h names) or a token the
 * provider was asked about does not work, or the tokens could not be read; else 0.
 */
export async function run(world: World, opts: StatusOptions): Promise<number> {
  const host = opts.hostname?.trim().toLowerCase().replace(/^https?:\/\//, '').replace(/\/+$/, '');
  const onHost = (a: AccountMeta) => !host || a.host === host;
  const fromEnv = envAccounts(world).filter(onHost);
  const stored = world.accounts
    .list()
    .filter(onHost)
    .sort((a, b) => `${a.provider} ${a.host} ${a.login}`.localeCompare(`${b.provider} ${b.host} ${b.login}`));
  const rows = await Promise.all([...fromEnv, ...stored].map((a) => row(world, a, Boolean(opts.offline))));
  const storageErrors = [...new Set(rows.flatMap((r) => (r.storageError ? [r.storageError] : [])))];
  const failed = rows.length === 0 || rows.some((r) => r.valid === false) || storageErrors.length > 0;
  for (const message of storageErrors) world.info(`oauthcli: ${safeText(world.redact(message))}`);
  if (opts.json || opts.jq) {
    const out = rows.map(({ current, needsLogin, problem, storageError: _, ...r }) => ({ ...r, current, needsLogin, ...(problem ? { problem: world.redact(problem) } : {}) }));
    await printJson(world, out, opts.jq);
    return failed ? 1 : 0;
  }
  if (rows.length === 0) {
    world.info(`No account is signed in${host ? ` on ${safeText(host)}` : ''}. Run: oauthcli login github${host && host !== 'github.com' ? ` --hostname ${safeText(host)}` : ''}`);
    return 1;
  }
  const paint = await paintFor(world, world.stdout);
  const lines: string[] = [headline(rows, Boolean(opts.offline))];
  let lastHeading = '';
  for (const r of rows) {
    const heading = `${r.host} (${r.provider})`;
    if (heading !== lastHeading) lines.push(`\n${paint.bold(heading)}`);
    lastHeading = heading;
    const mark = r.valid === true ? paint.green('✓') : r.valid === false ? paint.red('✗') : opts.offline ? '-' : paint.yellow('?');
    const marks = [r.active ? 'active' : '', r.current ? 'current' : ''].filter(Boolean).join(', ');
    const who = r.storage === 'env' ? `${r.login ? `${safeText(r.login)} ` : ''}(from ${r.envVar})` : safeText(r.login);
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
  return failed ? 1 : 0;
}

/** What is true of the accounts as a whole: how many, and how many tokens work, do not, or were not checked. */
export function headline(rows: ReadonlyArray<Pick<Row, 'valid'>>, offline: boolean): string {
  const count = (valid: boolean | null) => rows.filter((r) => r.valid === valid).length;
  const [working, broken, unknown] = [count(true), count(false), count(null)];
  const noun = rows.length === 1 ? 'account' : 'accounts';
  const parts = [working ? `${working} working` : '', broken ? `${broken} not working` : '', unknown ? `${unknown} ${offline ? 'not checked (--offline)' : 'not checked'}` : ''].filter(Boolean);
  return `${rows.length} ${noun}: ${parts.join(', ')}`;
}

async function row(world: World, account: AccountMeta, offline: boolean): Promise<Row> {
  const base = {
    ...(account.envVar ? { envVar: account.envVar } : {}),
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
    // A keychain we cannot read makes the row unknown, not the command fatal; its error is said once.
    const message = error instanceof AppError ? error.message : String(error);
    return { ...base, scopes: account.scopes, expiresAt: null, valid: null, problem: `the ${STORAGE_LABEL[account.storage]} could not be read`, storageError: message.split('\n')[0]! };
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
