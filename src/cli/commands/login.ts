// `oauthcli login <provider>`: choose a flow, run it, look up who signed in, store the tokens.
import { failure, interrupted, usageError } from '../../errors.js';
import type { TokenSet } from '../../oauth/token-set.js';
import { normalizeHost } from '../../providers/registry.js';
import type { Credentials, Endpoints, Provider } from '../../providers/types.js';
import { clientCredentials, loginCommandFor } from '../../session.js';
import { accountKey, type AccountMeta } from '../../store/accounts.js';
import type { SecretStore } from '../../store/secrets.js';
import { chooseFlow, type Flow } from '../choose-flow.js';
import { deviceLogin, parseDuration, webLogin, type FlowParams, type FlowResult } from '../login-flows.js';
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
  const provider = world.providers.get(providerName);
  const host = normalizeHost(provider, opts.hostname);
  world.loginHint = loginCommandFor(provider, host);
  if (opts.device && opts.web) throw usageError('choose one of --device and --web');
  if (opts.withToken && (opts.web || opts.device)) throw usageError('--with-token does not go with --web or --device');
  const scopes = opts.scopes ? opts.scopes.split(/[\s,]+/).filter(Boolean) : provider.defaultScopes;
  const { clientId, clientSecret } = clientCredentials(world, provider);
  // Usage errors first, then the keychain, and only then anything the user must do in a browser.
  const plan = opts.withToken ? undefined : planInteractiveLogin(world, provider, host, opts, { clientId, clientSecret });
  const store = world.secrets(opts.insecureStorage ? 'insecure-file' : 'keychain');
  await store.check();
  const http = await world.http();
  const endpoints = await provider.endpoints(host, http, world.signal);

  let result: FlowResult;
  if (!plan) {
    const token = (await readStdin(world)).trim();
    if (!token) throw usageError('--with-token reads a token from stdin, and stdin was empty');
    result = { tokens: { accessToken: token, tokenType: 'bearer', scopes: [] } };
  } else {
    const flow = plan.choose(endpoints);
    if (flow.announce) world.info(flow.announce);
    const params: FlowParams = { provider, endpoints, clientId: plan.clientId, clientSecret, scopes, openBrowser: opts.browser };
    result = flow.flow === 'web' ? await webLogin(world, { ...params, timeoutMs: plan.timeoutMs }) : await deviceLogin(world, params);
  }
  const { tokens } = result;
  world.rememberSecret(tokens.accessToken);
  world.rememberSecret(tokens.refreshToken);
  world.rememberSecret(result.idToken);

  const profile = await provider.fetchProfile(http, {
    endpoints,
    tokens,
    clientId,
    ...(result.idToken ? { idToken: result.idToken } : {}),
    ...(result.nonce ? { nonce: result.nonce } : {}),
    signal: world.signal,
  });
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
  clientId: string;
  timeoutMs: number;
  /** The flow, once the endpoints say whether a device flow exists. */
  choose(endpoints: Endpoints): { flow: Flow; announce?: string };
}

function planInteractiveLogin(world: World, provider: Provider, host: string, opts: LoginOptions, credentials: Credentials): LoginPlan {
  const { clientId, clientSecret } = credentials;
  if (!clientId) {
    throw usageError(`no client id for ${provider.displayName} is configured. ${provider.registerAppHelp(host)}`, 'no_client_id');
  }
  const missingSecret = provider.webFlowNeedsSecret && !clientSecret;
  const timeoutMs = parseDuration(opts.timeout);
  if (timeoutMs === undefined) throw usageError(`invalid --timeout '${opts.timeout}' (examples: 90s, 5m)`);
  if (opts.web && missingSecret) {
    const env = `OAUTHCLI_${provider.envName}_CLIENT_SECRET`;
    throw usageError(`the browser flow for ${provider.displayName} needs the OAuth app's client secret: set ${env}, or use --device`, 'no_client_secret');
  }
  return {
    clientId,
    timeoutMs,
    choose(endpoints) {
      if (opts.web) return { flow: 'web' };
      if (opts.device) return { flow: 'device' };
      const choice = chooseFlow({
        env: world.env,
        platform: process.platform,
        stdinIsTTY: Boolean(world.stdin.isTTY),
        stderrIsTTY: Boolean(world.stderr.isTTY),
        noBrowser: !opts.browser,
        missingSecret,
        deviceAvailable: Boolean(endpoints.deviceAuthorization),
      });
      return { flow: choice.flow, announce: `Using the ${choice.flow === 'web' ? 'browser' : 'device'} flow: ${choice.reason}.` };
    },
  };
}

/** Keychain first, then metadata: an account on record always has its tokens stored. */
async function saveAccount(world: World, store: SecretStore, meta: AccountMeta, tokens: TokenSet): Promise<void> {
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
