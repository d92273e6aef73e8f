// `oauthcli app create github`: the user's own GitHub App in one browser round trip. The loopback
// listener serves a page that posts the manifest to GitHub; GitHub sends the browser back with a
// code and our state; the code becomes the app's client id (kept in the config, for this host)
// and client secret (kept in the OS keychain only). Everything else the exchange returns (the
// private key, the webhook secret) is dropped here, unseen by anything that writes or prints.
import { appManifest, convertManifestCode, newAppUrl } from '../providers/github-app-manifest.js';
import { formPostPage } from '../oauth/form-post-page.js';
import { createState } from '../oauth/pkce.js';
import { pages } from '../oauth/pages.js';
import { startRedirectListener } from '../oauth/redirect-listener.js';
import type { SessionDeps } from '../session/deps.js';
import { appSecretKey, saveAppSecret } from '../store/app-secrets.js';

export interface CreateAppRequest {
  host: string;
  /** --org: the app belongs to this organization. */
  org?: string | undefined;
  /** The app's name on GitHub (unique there). */
  name: string;
  timeoutMs: number;
}

export interface CreateAppUi {
  /** Shows the local page that sends the manifest, and opens it when asked. Resolves whether a browser was opened. */
  showStartPage(url: string, host: string): Promise<boolean>;
  waiting(text: string): { update(text: string): void; stop(): void };
}

export interface CreatedAppSummary {
  name: string;
  clientId: string;
  htmlUrl: string;
  installUrl: string;
  settingsUrl: string;
}

/** A name GitHub has not seen: `oauthcli-` and eight random letters and digits. */
export function newAppName(): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  const bytes = globalThis.crypto.getRandomValues(new Uint8Array(8));
  return `oauthcli-${Array.from(bytes, (b) => alphabet[b % alphabet.length]).join('')}`;
}

export async function createGitHubApp(deps: SessionDeps, ui: CreateAppUi, req: CreateAppRequest): Promise<CreatedAppSummary> {
  // Before the browser: can the result be kept?
  await deps.accounts.checkWritable();
  const keychain = deps.secrets('keychain');
  await keychain.check();

  const state = createState();
  const listener = await startRedirectListener({
    expectedState: state,
    timeoutMs: req.timeoutMs,
    successPage: pages.received(),
    ...(deps.signal ? { signal: deps.signal } : {}),
    startPage: (redirectUri) =>
      formPostPage({
        action: newAppUrl(req.host, req.org, state),
        fields: { manifest: JSON.stringify(appManifest({ name: req.name, redirectUrl: redirectUri })) },
        title: 'Create your GitHub App',
        message: `Sending oauthcli's app settings to ${req.host}…`,
        button: `Continue to ${req.host}`,
      }),
  });
  let waiting: ReturnType<CreateAppUi['waiting']> | undefined;
  try {
    await ui.showStartPage(listener.startUrl!, req.host);
    waiting = ui.waiting(`Waiting for ${req.host}…`);
    const { code } = await listener.result;
    deps.rememberSecret(code);
    waiting.update('Fetching the new app’s credentials…');
    const app = await convertManifestCode(await deps.http(), { host: req.host, org: req.org, code, ...(deps.signal ? { signal: deps.signal } : {}) });
    deps.rememberSecret(app.clientSecret);
    const previous = deps.accounts.providerSettings('github').apps?.[req.host];
    // The secret first: an app on record always has its secret.
    await saveAppSecret(keychain, 'github', req.host, app.clientId, app.clientSecret);
    await deps.accounts.saveRegisteredApp('github', req.host, { clientId: app.clientId, name: app.name, htmlUrl: app.htmlUrl, createdAt: new Date().toISOString() });
    // The app this one replaces for new sign-ins: accounts it signed in keep its secret with their tokens.
    if (previous?.clientId && previous.clientId !== app.clientId) await keychain.delete(appSecretKey('github', req.host, previous.clientId)).catch(() => false);
    return { name: app.name, clientId: app.clientId, htmlUrl: app.htmlUrl, installUrl: app.installUrl, settingsUrl: app.settingsUrl };
  } finally {
    waiting?.stop();
    await listener.close();
  }
}
