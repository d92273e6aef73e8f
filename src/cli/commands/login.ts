// `oauthcli login <provider>`: parse, sign in (src/signin), say who signed in.
import { parseDuration } from '../../duration.js';
import { AppError, failure, usageError } from '../../errors.js';
import { defaultHostFor, normalizeHost } from '../../providers/registry.js';
import { loginCommandFor } from '../../session/sign-in-needed.js';
import { signIn } from '../../signin/sign-in.js';
import { chooseStorage } from '../../store/choose-storage.js';
import { keychainUnavailable } from '../../store/secrets.js';
import { paintFor } from '../terminal/paint.js';
import { safeText } from '../terminal/safe-text.js';
import { terminalOf, terminalSignInUi } from '../terminal/signin-ui.js';
import { readStdin } from '../terminal/stdin.js';
import type { World } from '../world.js';

export interface LoginOptions {
  device?: boolean;
  web?: boolean;
  /** -s/--scopes, each repeat's value (comma-separated lists too): added to the provider's defaults, as gh does. */
  scopes?: string[];
  hostname?: string;
  browser: boolean;
  withToken?: boolean;
  insecureStorage?: boolean;
  storage?: string;
  timeout: string;
  clipboard?: boolean;
  /** --git / --no-git: configure git for the host afterwards, or not; asked on a terminal when neither. */
  git?: boolean;
  tenant?: string;
}

/** A token pasted or piped in is a few hundred bytes; stop reading long before memory matters. */
export const MAX_TOKEN_INPUT_BYTES = 16 * 1024;

export async function run(world: World, providerName: string, opts: LoginOptions): Promise<number> {
  const provider = world.providers.get(providerName);
  const host = normalizeHost(provider, opts.hostname, defaultHostFor(provider, world.env));
  world.loginHint = loginCommandFor(provider, host, world.env);
  if (opts.device && opts.web) throw usageError('choose one of --device and --web');
  if (opts.withToken && (opts.web || opts.device)) throw usageError('--with-token does not go with --web or --device');
  const timeoutMs = parseDuration(opts.timeout);
  if (timeoutMs === undefined) throw usageError(`invalid --timeout '${opts.timeout}' (a duration up to 24h, e.g. 90s or 5m)`);
  const added = (opts.scopes ?? []).flatMap(splitList);
  const scopes = provider.scopesFor ? provider.scopesFor(added.length ? added : undefined) : withDefaultScopes(provider.defaultScopes, added);
  if (opts.tenant !== undefined && !provider.tenancy) throw usageError(`--tenant applies to Microsoft Entra ID only, not to ${provider.displayName}`, 'bad_tenant');
  const tenant = opts.tenant === undefined ? undefined : provider.tenancy!.check(opts.tenant);
  const storage = chooseStorage({ flag: opts.storage, insecure: opts.insecureStorage, env: world.env, configured: world.accounts.defaultStorage() });
  const token = opts.withToken ? await readToken(world) : undefined;

  const { account, profile } = await signIn(world, await terminalSignInUi(world, { clipboard: Boolean(opts.clipboard) }), {
    provider,
    host,
    flow: opts.web ? 'web' : opts.device ? 'device' : undefined,
    scopes,
    openBrowser: opts.browser,
    storage,
    timeoutMs,
    terminal: terminalOf(world),
    token,
    tenant,
  }).catch(async (error: unknown) => {
    throw storage === 'keychain' && error instanceof AppError && error.code === 'keychain_unavailable' ? await withAlternatives(world, error) : error;
  });
  const paint = await paintFor(world, world.stderr);
  world.info(`${paint.green('✓')} Signed in to ${host} as ${paint.bold(safeText(profile.login))}`);
  if (account.storage === 'pass') {
    const { entryFileName, PASS_FOLDER } = await import('../../store/pass-store.js');
    world.info(`${paint.green('✓')} Tokens are stored encrypted in the pass store: pass show ${PASS_FOLDER}/${entryFileName(account.key)}`);
  }
  if (account.storage === 'insecure-file') world.info(`${paint.yellow('!')} Tokens are stored in a plain file (--insecure-storage), not in the OS keychain.`);
  if (provider.git && (token === undefined || opts.git)) {
    const { offerGitSetup } = await import('../git-offer.js');
    await offerGitSetup(world, host, opts.git);
  }
  return 0;
}

/** The provider's default scopes, then each one -s adds (gh: "additional authentication scopes to request"). */
export function withDefaultScopes(defaults: readonly string[], added: readonly string[]): string[] {
  return [...new Set([...defaults, ...added.flatMap(splitList)])];
}

export function splitList(text: string): string[] {
  return [...new Set(text.split(/[\s,]+/).filter(Boolean))];
}

/** --with-token: the token from stdin, read up to MAX_TOKEN_INPUT_BYTES and no further. */
async function readToken(world: World): Promise<string> {
  if (world.stdin.isTTY) throw usageError('--with-token reads the token from stdin: pipe it in, e.g. oauthcli login github --with-token < token.txt');
  const text = await readStdin(world, MAX_TOKEN_INPUT_BYTES, () =>
    failure(`the token read from stdin is longer than ${MAX_TOKEN_INPUT_BYTES / 1024} KB; is that the right file?`, { code: 'token_too_long' }),
  );
  const token = text.trim();
  if (!token) throw usageError('--with-token reads a token from stdin, and stdin was empty');
  if (/\s/.test(token)) throw usageError('--with-token reads one token from stdin; what was read has spaces or several lines');
  return token;
}

/** The keychain cannot be used: the same error, saying what this machine can use instead. */
async function withAlternatives(world: World, error: AppError): Promise<AppError> {
  const [{ readFile }, { homedir }] = await Promise.all([import('node:fs/promises'), import('node:os')]);
  const procVersion = world.platform === 'linux' ? await readFile('/proc/version', 'utf8').catch(() => undefined) : undefined;
  const { keychainAdvice } = await import('../../store/storage-advice.js');
  const { advice, hints } = await keychainAdvice({ env: world.env, home: world.env.HOME || homedir(), procVersion });
  return keychainUnavailable(error.cause, advice, hints);
}
