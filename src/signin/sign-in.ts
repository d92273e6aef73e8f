// Signing in, whole: check what can be checked before the user is asked to do anything (flags,
// client credentials, a writable config, a usable keychain), choose the flow, run it, learn who
// signed in, and store the account — tokens first, then its metadata, so an account on record
// always has its tokens.
import { AppError, failure, interrupted, usageError } from '../errors.js';
import { OAuthError } from '../oauth/errors.js';
import { defaultHostFor } from '../providers/registry.js';
import type { Credentials, Endpoints, Profile, Provider } from '../providers/types.js';
import { configuredClient, configuredTenant, deviceClientCredentials } from '../session/client-credentials.js';
import { rememberTokens, type SessionDeps } from '../session/deps.js';
import { loadAppSecret } from '../store/app-secrets.js';
import { newAccountKey, type AccountMeta } from '../store/accounts.js';
import { withAccountLock } from '../store/lock.js';
import type { StorageKind } from '../store/secrets.js';
import type { TokenSet } from '../token-set.js';
import { chooseFlow, type Flow } from './choose-flow.js';
import { runDeviceFlow } from './device-flow.js';
import type { FlowResult } from './flow-result.js';
import type { SignInUi } from './ui.js';
import { runWebFlow } from './web-flow.js';

export interface SignInRequest {
  provider: Provider;
  host: string;
  /** --web or --device; undefined: choose. */
  flow?: Flow | undefined;
  scopes: string[];
  /** False with --no-browser. */
  openBrowser: boolean;
  storage: Exclude<StorageKind, 'env'>;
  timeoutMs: number;
  terminal: { platform: NodeJS.Platform; stdinIsTTY: boolean; stderrIsTTY: boolean };
  /** --with-token: a token the user already has, validated by asking who it belongs to. */
  token?: string | undefined;
  /** `refresh --scopes`: the account that signs in again; it must be the one that comes back. */
  renew?: AccountMeta | undefined;
  /** --tenant, for a provider with tenants (checked by it); undefined: the renewed account's, else the configured default. */
  tenant?: string | undefined;
}

export interface SignInResult {
  account: AccountMeta;
  profile: Profile;
}

export async function signIn(deps: SessionDeps, ui: SignInUi, req: SignInRequest): Promise<SignInResult> {
  const { provider, host } = req;
  const plan = req.token === undefined ? await planFlows(deps, req) : undefined;
  // Before anything the user must do in a browser: can the result be kept?
  await deps.accounts.checkWritable();
  const store = deps.secrets(req.storage);
  await store.check();
  const http = await deps.http();
  const tenant = provider.tenancy ? (req.tenant ?? req.renew?.tenant ?? configuredTenant(deps, provider)) : undefined;
  const endpoints = await provider.endpoints(host, http, deps.signal, tenant);

  const result = plan
    ? await runFlows(deps, ui, req, endpoints, plan)
    : { tokens: { accessToken: req.token!, tokenType: 'bearer', scopes: [] } satisfies TokenSet, client: undefined, used: configuredClient(deps, provider, host) };
  const { tokens } = result;
  rememberTokens(deps, tokens);
  deps.rememberSecret(result.idToken);
  const { clientId } = result.used;
  // The client's secret goes with the tokens it issued (the secret store only): refresh and
  // revocation then work without the environment variable this sign-in may have used.
  if (plan && result.used.clientSecret) tokens.clientSecret = result.used.clientSecret;
  const profile = await provider
    .fetchProfile(http, {
      endpoints,
      tokens,
      clientId,
      ...(result.idToken ? { idToken: result.idToken } : {}),
      ...(result.nonce ? { nonce: result.nonce } : {}),
      ...(deps.signal ? { signal: deps.signal } : {}),
    })
    .catch((error: unknown) => {
      // A pasted token the provider refuses was never "stored": say what happened to it.
      if (!plan && error instanceof AppError && error.code === 'bad_credentials') {
        throw failure(`${host} refused the token read from stdin (HTTP 401): check that it is a valid token for ${host}; nothing was stored`, { code: 'token_refused', cause: error });
      }
      throw error;
    });
  if (profile.scopes) tokens.scopes = profile.scopes;
  // Validated above: kept with the tokens for later `whoami` and `token --id-token`.
  if (result.idToken) tokens.idToken = result.idToken;
  if (deps.signal?.aborted) throw interrupted();

  // A subject means a user only within its tenant (learn.microsoft.com/entra/identity-platform/access-tokens#validate-the-issuer).
  const subject = profile.tenant ? `${profile.tenant}/${profile.id}` : profile.id;
  const identity = provider.identity === 'subject' ? subject : profile.login;
  const key = req.renew?.key ?? newAccountKey(provider.name, host, identity);
  if (req.renew && (req.renew.id !== profile.id || (req.renew.tenant !== undefined && profile.tenant !== undefined && req.renew.tenant !== profile.tenant))) {
    throw failure(`you signed in as ${profile.login}, but this is ${req.renew.login}'s account; nothing was changed. Sign in as ${req.renew.login}, or use oauthcli login to add the other account`, {
      code: 'wrong_account',
    });
  }
  const previous = deps.accounts.get(key);
  const account: AccountMeta = {
    key,
    provider: provider.name,
    host,
    login: profile.login,
    id: profile.id,
    scopes: tokens.scopes,
    storage: store.kind as AccountMeta['storage'],
    signedInAt: new Date().toISOString(),
    ...(result.client ? { client: result.client } : {}),
    ...(plan && clientId ? { clientId } : {}),
    ...(provider.tenancy && (profile.tenant ?? tenant) ? { tenant: (profile.tenant ?? tenant)! } : {}),
  };
  // Under the account's lock, as every write of an account: a refresh of it in flight ends first.
  await withAccountLock(deps.configDir, key, async () => {
    await store.set(key, tokens);
    if (previous && previous.storage !== store.kind && previous.storage !== 'env') await deps.secrets(previous.storage).delete(key).catch(() => false);
    await deps.accounts.saveActive(account);
  });
  // An account an earlier version keyed by another name (an OpenID Connect login, now its subject).
  for (const older of deps.accounts.list()) {
    if (older.key !== key && older.provider === provider.name && older.host === host && older.id === profile.id && older.tenant === account.tenant && older.storage !== 'env') {
      await withAccountLock(deps.configDir, older.key, async () => {
        await deps.secrets(older.storage as Exclude<typeof older.storage, 'env'>).delete(older.key).catch(() => false);
        await deps.accounts.remove(older.key);
      });
    }
  }
  return { account, profile };
}

interface FlowPlan {
  web: Credentials & { clientId?: string };
  device: Credentials & { clientId?: string };
  /** Why the browser flow cannot run, when it cannot. */
  webBlocked?: string;
  /** Why the device flow cannot run, when it cannot. */
  deviceBlocked?: string;
}

/** The clients each flow would use, and what stops either: all checked before any request. */
async function planFlows(deps: SessionDeps, req: SignInRequest): Promise<FlowPlan> {
  const { provider } = req;
  const { registeredApp, ...web } = configuredClient(deps, provider, req.host);
  if (registeredApp && web.clientId && !web.clientSecret) {
    const secret = await loadAppSecret(deps.secrets('keychain'), provider.name, req.host, web.clientId);
    deps.rememberSecret(secret);
    if (secret) web.clientSecret = secret;
  }
  const device = provider.deviceClient === 'separate' ? deviceClientCredentials(deps, provider) : web;
  const env = `OAUTHCLI_${provider.envName}`;
  const hostFlag = req.host !== defaultHostFor(provider, deps.env) ? ` --hostname ${req.host}` : '';
  const noClientId = `no client id for ${provider.displayName} is configured. ${provider.registerAppHelp(req.host)}`;
  const plan: FlowPlan = { web, device };
  if (!web.clientId) plan.webBlocked = noClientId;
  else if (provider.webFlowNeedsSecret && !web.clientSecret) plan.webBlocked = `the browser flow for ${provider.displayName} needs the OAuth app's client secret: set ${env}_CLIENT_SECRET, or use --device`;
  if (provider.deviceClient === 'separate' && !(device.clientId && device.clientSecret)) {
    plan.deviceBlocked =
      `${provider.displayName}'s device flow needs an OAuth client of type "TVs and Limited Input devices" and its secret: ` +
      `set ${env}_DEVICE_CLIENT_ID and ${env}_DEVICE_CLIENT_SECRET, or sign in with the browser flow (--web${hostFlag})`;
  } else if (!device.clientId) plan.deviceBlocked = noClientId;

  if (!web.clientId && !device.clientId) throw usageError(noClientId, 'no_client_id');
  if (req.flow === 'web' && plan.webBlocked) throw usageError(plan.webBlocked, web.clientId ? 'no_client_secret' : 'no_client_id');
  if (req.flow === 'device' && plan.deviceBlocked) throw usageError(plan.deviceBlocked, 'no_device_client');
  return plan;
}

async function runFlows(deps: SessionDeps, ui: SignInUi, req: SignInRequest, endpoints: Endpoints, plan: FlowPlan): Promise<FlowResult & { client: 'device' | undefined; used: Credentials }> {
  const { provider } = req;
  const deviceOffered = Boolean(endpoints.deviceAuthorization) && !plan.deviceBlocked;
  let flow: Flow;
  if (req.flow) flow = req.flow;
  else {
    if (!endpoints.deviceAuthorization && plan.webBlocked) throw usageError(plan.webBlocked, 'no_client_secret');
    const choice = chooseFlow({
      env: deps.env,
      platform: req.terminal.platform,
      stdinIsTTY: req.terminal.stdinIsTTY,
      stderrIsTTY: req.terminal.stderrIsTTY,
      noBrowser: !req.openBrowser,
      missingSecret: Boolean(plan.webBlocked),
      deviceAvailable: deviceOffered,
    });
    if (choice.flow === 'web' && plan.webBlocked) throw usageError(plan.deviceBlocked ?? plan.webBlocked, 'no_client');
    flow = choice.flow;
    ui.note(`Using the ${flow === 'web' ? 'browser' : 'device'} flow: ${choice.reason}.`);
  }
  const explained = (error: unknown, clientId: string): unknown =>
    error instanceof OAuthError ? (provider.explainOAuthError?.(error, { host: req.host, clientId }) ?? error) : error;

  if (flow === 'device') {
    const client = plan.device;
    try {
      const result = await runDeviceFlow(deps, ui, { provider, endpoints, clientId: client.clientId!, clientSecret: client.clientSecret, scopes: req.scopes, openBrowser: req.openBrowser });
      return { ...result, client: provider.deviceClient === 'separate' ? 'device' : undefined, used: client };
    } catch (error) {
      const why = explained(error, client.clientId!);
      // A server without the device flow (GitLab before 17.3), or an app without it enabled (a new
      // GitHub App): when we chose it, the browser flow instead.
      if (!req.flow && why instanceof OAuthError && (why.code === 'no_device_flow' || why.code === 'device_flow_disabled') && !plan.webBlocked) {
        ui.note(`${why.message.replace(/(: use --web|, or use --web\.)$/, '')}; using the browser flow instead.`);
        flow = 'web';
      } else throw why;
    }
  }
  const client = plan.web;
  const addingAccount = deps.accounts.list().some((a) => a.provider === provider.name && a.host === req.host && a.key !== req.renew?.key);
  const web = (consent: boolean) =>
    runWebFlow(deps, ui, {
      provider,
      endpoints,
      clientId: client.clientId!,
      clientSecret: client.clientSecret,
      scopes: req.scopes,
      openBrowser: req.openBrowser,
      timeoutMs: req.timeoutMs,
      addingAccount,
      consent,
    }).catch((error: unknown) => {
      throw explained(error, client.clientId!);
    });
  const first = await web(false);
  if (first.tokens.refreshToken || !provider.refreshTokenNeedsConsent) return { ...first, client: undefined, used: client };
  // Google gives a refresh token again only with its consent screen; ask once more, now.
  ui.note(`${provider.displayName} sent no refresh token (this app was authorized before); asking again with the consent screen, so you stay signed in.`);
  return { ...(await web(true)), client: undefined, used: client };
}
