// `oauthcli refresh [provider]`: a refresh-token grant now, whatever the expiry. With
// --scopes a,b: sign in again asking for the account's current scopes plus these, keeping the
// account (gh's `auth refresh -s`).
import { usageError } from '../../errors.js';
import { openSession } from '../../session/open-session.js';
import { signIn } from '../../signin/sign-in.js';
import { formatExpiry } from '../terminal/expiry.js';
import { paintFor } from '../terminal/paint.js';
import { safeText } from '../terminal/safe-text.js';
import { writeResult } from '../terminal/streams.js';
import { terminalOf, terminalSignInUi } from '../terminal/signin-ui.js';
import type { World } from '../world.js';
import { splitList } from './login.js';

export interface RefreshOptions {
  hostname?: string;
  user?: string;
  scopes?: string;
  clipboard?: boolean;
}

export async function run(world: World, provider: string | undefined, opts: RefreshOptions): Promise<number> {
  const account = world.selectAccount({ provider, hostname: opts.hostname, user: opts.user });
  if (opts.scopes !== undefined) return addScopes(world, account, splitList(opts.scopes), Boolean(opts.clipboard));
  const { tokens } = await openSession(world, account, { forceRefresh: true });
  await writeResult(world, `Refreshed the token for ${safeText(account.login)} on ${account.host}: ${formatExpiry(tokens.expiresAt)}\n`);
  return 0;
}

async function addScopes(world: World, account: ReturnType<World['selectAccount']>, extra: string[], clipboard: boolean): Promise<number> {
  if (account.storage === 'env') throw usageError('--scopes signs in again, which a token from the environment cannot do', 'env_token');
  if (extra.length === 0) throw usageError('--scopes needs at least one scope, e.g. --scopes read:org');
  const provider = world.providers.get(account.provider);
  const current = await world.secrets(account.storage).get(account.key).catch(() => undefined);
  const merged = [...new Set([...(current?.scopes ?? account.scopes), ...extra])];
  // Entra's granted scopes leave out offline_access and openid's kin: the provider completes them.
  const scopes = provider.scopesFor ? provider.scopesFor(merged) : merged;
  const { profile } = await signIn(world, await terminalSignInUi(world, { clipboard }), {
    provider,
    host: account.host,
    scopes,
    openBrowser: true,
    storage: account.storage,
    timeoutMs: 5 * 60_000,
    terminal: terminalOf(world),
    renew: account,
  });
  const paint = await paintFor(world, world.stderr);
  world.info(`${paint.green('✓')} Signed in again to ${account.host} as ${paint.bold(safeText(profile.login))} with the scopes ${scopes.map(safeText).join(', ')}`);
  return 0;
}
