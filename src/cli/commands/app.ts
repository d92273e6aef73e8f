// `oauthcli app create github [--hostname HOST] [--org ORG]`: the user's own GitHub App, made with
// GitHub's app manifest flow (src/signin/create-app.ts); then what is left to click.
import { parseDuration } from '../../duration.js';
import { usageError } from '../../errors.js';
import { defaultHostFor, normalizeHost } from '../../providers/registry.js';
import { createGitHubApp, newAppName, type CreateAppUi } from '../../signin/create-app.js';
import { paintFor } from '../terminal/paint.js';
import { safeText } from '../terminal/safe-text.js';
import { browserFailure, spinner } from '../terminal/signin-ui.js';
import type { World } from '../world.js';

export interface AppCreateOptions {
  hostname?: string;
  org?: string;
  browser: boolean;
  timeout: string;
}

export async function create(world: World, providerName: string, opts: AppCreateOptions): Promise<number> {
  const provider = world.providers.get(providerName);
  if (provider.name !== 'github') throw usageError(`app create makes GitHub Apps only (GitHub's app manifest flow); ${provider.displayName} has no such flow`, 'unsupported');
  const host = normalizeHost(provider, opts.hostname, defaultHostFor(provider, world.env));
  const timeoutMs = parseDuration(opts.timeout);
  if (timeoutMs === undefined) throw usageError(`invalid --timeout '${opts.timeout}' (a duration up to 24h, e.g. 90s or 10m)`);
  if (opts.org !== undefined && !/^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$/.test(opts.org)) throw usageError(`'${safeText(opts.org)}' is not a GitHub organization name`);
  const paint = await paintFor(world, world.stderr);

  const ui: CreateAppUi = {
    async showStartPage(url) {
      world.info(`Open this page in a browser on this computer to create the app on ${host}${opts.org ? ` for ${safeText(opts.org)}` : ''}: ${url}`);
      world.info('It sends the app\'s settings to GitHub; there, click "Create GitHub App".');
      if (!opts.browser) return false;
      if (await world.openBrowser(url)) return true;
      world.info(`${paint.yellow('!')} Could not open a browser here${browserFailure(world)}.`);
      return false;
    },
    waiting: (text) => spinner(world, text),
  };
  const app = await createGitHubApp(world, ui, { host, org: opts.org, name: newAppName(), timeoutMs });

  const hostFlag = host === defaultHostFor(provider, world.env) ? '' : ` --hostname ${host}`;
  world.info(`${paint.green('✓')} Created the GitHub App ${paint.bold(safeText(app.name))} (${safeText(app.htmlUrl)}); its client secret is in the OS keychain.`);
  world.info('What GitHub does not let an app manifest do, you do once:');
  world.info(`  1. Install the app on your ${opts.org ? 'organization' : 'account'} (the repositories oauthcli may use): ${safeText(app.installUrl)}`);
  world.info(`  2. For sign-ins without a browser here (--device, SSH): tick "Enable Device Flow" at ${safeText(app.settingsUrl)}`);
  world.info(`Then sign in: oauthcli login github${hostFlag}`);
  return 0;
}
