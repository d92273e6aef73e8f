// `oauthcli login <provider>`: choose a flow, run it, look up who signed in, store the tokens.
import { AppError, failure, usageError } from '../../errors.js';
import { requestDeviceAuthorization, pollForDeviceToken } from '../../oauth/device.js';
import { tokenSetFrom, type TokenSet } from '../../oauth/token-set.js';
import { getProvider, normalizeHost } from '../../providers/registry.js';
import type { Endpoints, Provider } from '../../providers/types.js';
import { clientCredentials } from '../../session.js';
import { accountKey, type AccountMeta } from '../../store/accounts.js';
import type { SecretStore } from '../../store/secrets.js';
import { openBrowser } from '../browser.js';
import { paintFor, startSpinner } from '../output.js';
import type { World } from '../world.js';

export interface LoginOptions {
  device?: boolean;
  web?: boolean;
  scopes?: string;
  hostname?: string;
  browser: boolean;
  withToken?: boolean;
  insecureStorage?: boolean;
  timeout: string;
}

export async function run(world: World, providerName: string, opts: LoginOptions): Promise<number> {
  const provider = getProvider(providerName);
  const host = normalizeHost(provider, opts.hostname);
  if (opts.device && opts.web) throw usageError('choose one of --device and --web');
  const scopes = opts.scopes ? opts.scopes.split(/[\s,]+/).filter(Boolean) : provider.defaultScopes;
  const endpoints = provider.endpoints(host);

  // Check the keychain before the user does anything in a browser.
  const store = world.secrets(opts.insecureStorage ? 'insecure-file' : 'keychain');
  await store.check();

  let tokens: TokenSet;
  if (opts.withToken) {
    tokens = { accessToken: (await readStdin(world)).trim(), tokenType: 'bearer', scopes: [] };
    if (!tokens.accessToken) throw usageError('--with-token reads a token from stdin, and stdin was empty');
  } else {
    const { clientId } = clientCredentials(world, provider);
    if (!clientId) {
      throw usageError(`no client id for ${provider.displayName} is configured. ${provider.registerAppHelp(host)}`, 'no_client_id');
    }
    tokens = await deviceLogin(world, provider, endpoints, clientId, scopes, opts);
  }
  world.rememberSecret(tokens.accessToken);
  world.rememberSecret(tokens.refreshToken);

  const http = await world.http();
  const profile = await provider.fetchProfile(http, endpoints, tokens, world.signal);
  if (profile.scopes) tokens.scopes = profile.scopes;
  if (world.signal.aborted) throw new AppError('interrupted', 'Interrupted.');

  await saveAccount(world, store, {
    provider: provider.name,
    host,
    login: profile.login,
    id: profile.id,
    scopes: tokens.scopes,
    storage: store.kind,
    signedInAt: new Date().toISOString(),
  }, tokens);
  const paint = await paintFor(world, world.stderr);
  world.info(`${paint.green('✓')} Signed in to ${host} as ${paint.bold(profile.login)}`);
  if (store.kind === 'insecure-file') world.info(`! Tokens are stored in a plain file (--insecure-storage), not in the OS keychain.`);
  return 0;
}

async function deviceLogin(world: World, provider: Provider, endpoints: Endpoints, clientId: string, scopes: string[], opts: LoginOptions): Promise<TokenSet> {
  const http = await world.http();
  const auth = await requestDeviceAuthorization(http, {
    endpoint: endpoints.deviceAuthorization,
    clientId,
    scopes,
    scopeSeparator: provider.scopeSeparator,
    headers: provider.oauthHeaders,
    signal: world.signal,
  });
  world.rememberSecret(auth.deviceCode);
  const paint = await paintFor(world, world.stderr);
  world.info(`! First copy your one-time code: ${paint.bold(auth.userCode)}`);
  world.info(`Open this URL to continue in your web browser: ${auth.verificationUri}`);
  if (opts.browser) {
    const opened = await openBrowser(auth.verificationUriComplete ?? auth.verificationUri, world.env);
    if (!opened) world.info('(could not open a browser; open the URL above yourself)');
  }
  const spinner = await startSpinner(world, 'Waiting for authorization in the browser…');
  try {
    const response = await pollForDeviceToken(http, {
      tokenEndpoint: endpoints.token,
      clientId,
      authorization: auth,
      headers: provider.oauthHeaders,
      signal: world.signal,
    });
    return tokenSetFrom(response, new Date(), scopes);
  } finally {
    spinner.stop();
  }
}

/** Keychain first, then metadata: an account on record always has its tokens stored. */
export async function saveAccount(world: World, store: SecretStore, meta: AccountMeta, tokens: TokenSet): Promise<void> {
  const key = accountKey(meta);
  const previous = world.accounts.get(key);
  await store.set(key, tokens);
  if (previous && previous.storage !== store.kind) await world.secrets(previous.storage).delete(key).catch(() => false);
  world.accounts.save(meta);
  world.accounts.setActive(meta);
}

async function readStdin(world: World): Promise<string> {
  if (world.stdin.isTTY) throw usageError('--with-token reads the token from stdin: pipe it in, e.g. oauthcli login github --with-token < token.txt');
  const chunks: Buffer[] = [];
  for await (const chunk of world.stdin) chunks.push(Buffer.from(chunk as Buffer));
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.length > 16_384) throw failure('the token read from stdin is too long');
  return text;
}
