// `oauthcli login <provider>`: parse, sign in (src/signin), say who signed in.
import { parseDuration } from '../../duration.js';
import { failure, usageError } from '../../errors.js';
import { defaultHostFor, normalizeHost } from '../../providers/registry.js';
import { loginCommandFor } from '../../session.js';
import { signIn } from '../../signin/sign-in.js';
import { paintFor, safeText } from '../output.js';
import { terminalOf, terminalSignInUi } from '../signin-ui.js';
import { readStdin } from '../stdin.js';
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
  timeout: string;
  clipboard?: boolean;
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
  const scopes = withDefaultScopes(provider.defaultScopes, opts.scopes ?? []);
  const token = opts.withToken ? await readToken(world) : undefined;

  const { account, profile } = await signIn(world, await terminalSignInUi(world, { clipboard: Boolean(opts.clipboard) }), {
    provider,
    host,
    flow: opts.web ? 'web' : opts.device ? 'device' : undefined,
    scopes,
    openBrowser: opts.browser,
    storage: opts.insecureStorage ? 'insecure-file' : 'keychain',
    timeoutMs,
    terminal: terminalOf(world),
    token,
  });
  const paint = await paintFor(world, world.stderr);
  world.info(`${paint.green('✓')} Signed in to ${host} as ${paint.bold(safeText(profile.login))}`);
  if (account.storage === 'insecure-file') world.info(`${paint.yellow('!')} Tokens are stored in a plain file (--insecure-storage), not in the OS keychain.`);
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
