// `oauthcli login <provider>`: choose a flow, run it, look up who signed in, store the tokens.
import { failure, interrupted, usageError } from '../../errors.js';
import type { TokenSet } from '../../oauth/token-set.js';
import { getProvider, normalizeHost } from '../../providers/registry.js';
import type { Provider } from '../../providers/types.js';
import { clientCredentials } from '../../session.js';
import { accountKey, type AccountMeta } from '../../store/accounts.js';
import type { SecretStore } from '../../store/secrets.js';
import { chooseFlow, type Flow } from '../choose-flow.js';
import { deviceLogin, parseDuration, webLogin, type FlowParams } from '../login-flows.js';
import { paintFor } from '../output.js';
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
  if (opts.withToken && (opts.web || opts.device)) throw usageError('--with-token does not go with --web or --device');

  // Usage errors first, then the keychain, and only then anything the user must do in a browser.
  const plan = opts.withToken ? undefined : planInteractiveLogin(world, provider, host, scopes, opts);
  const store = world.secrets(opts.insecureStorage ? 'insecure-file' : 'keychain');
  await store.check();

  let tokens: TokenSet;
  if (!plan) {
    tokens = { accessToken: (await readStdin(world)).trim(), tokenType: 'bearer', scopes: [] };
    if (!tokens.accessToken) throw usageError('--with-token reads a token from stdin, and stdin was empty');
  } else {
    if (plan.announce) world.info(plan.announce);
    tokens = plan.flow === 'web' ? await webLogin(world, { ...plan.params, timeoutMs: plan.timeoutMs }) : await deviceLogin(world, plan.params);
  }
  world.rememberSecret(tokens.accessToken);
  world.rememberSecret(tokens.refreshToken);

  const http = await world.http();
  const profile = await provider.fetchProfile(http, endpoints, tokens, world.signal);
  if (profile.scopes) tokens.scopes = profile.scopes;
  if (world.signal.aborted) throw interrupted();

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

interface LoginPlan {
  flow: Flow;
  /** One line saying which flow was chosen and why, when the user did not choose. */
  announce?: string;
  params: FlowParams;
  timeoutMs: number;
}

function planInteractiveLogin(world: World, provider: Provider, host: string, scopes: string[], opts: LoginOptions): LoginPlan {
  const { clientId, clientSecret } = clientCredentials(world, provider);
  if (!clientId) {
    throw usageError(`no client id for ${provider.displayName} is configured. ${provider.registerAppHelp(host)}`, 'no_client_id');
  }
  const missingSecret = provider.webFlowNeedsSecret && !clientSecret;
  const timeoutMs = parseDuration(opts.timeout);
  if (timeoutMs === undefined) throw usageError(`invalid --timeout '${opts.timeout}' (examples: 90s, 5m)`);
  const params: FlowParams = { provider, endpoints: provider.endpoints(host), clientId, clientSecret, scopes, openBrowser: opts.browser };
  if (opts.web) {
    if (missingSecret) {
      const env = `OAUTHCLI_${provider.envName}_CLIENT_SECRET`;
      throw usageError(`the browser flow for ${provider.displayName} needs the OAuth app's client secret: set ${env}, or use --device`, 'no_client_secret');
    }
    return { flow: 'web', params, timeoutMs };
  }
  if (opts.device) return { flow: 'device', params, timeoutMs };
  const choice = chooseFlow({
    env: world.env,
    platform: process.platform,
    stdinIsTTY: Boolean(world.stdin.isTTY),
    stderrIsTTY: Boolean(world.stderr.isTTY),
    noBrowser: !opts.browser,
    missingSecret,
  });
  const announce = `Using the ${choice.flow === 'web' ? 'browser' : 'device'} flow: ${choice.reason}.`;
  return { flow: choice.flow, announce, params, timeoutMs };
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
