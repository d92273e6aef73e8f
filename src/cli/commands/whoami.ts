// `oauthcli whoami [provider]`: the profile, fetched live with the stored token.
import { openSession } from '../../session.js';
import { formatExpiry, paintFor, writeResult } from '../output.js';
import type { World } from '../world.js';

export interface WhoamiOptions {
  hostname?: string;
  user?: string;
  json?: boolean;
}

export async function run(world: World, provider: string | undefined, opts: WhoamiOptions): Promise<number> {
  const account = world.selectAccount({ provider, hostname: opts.hostname, user: opts.user });
  const session = await openSession(world, account);
  world.rememberSecret(session.tokens.accessToken);
  world.rememberSecret(session.tokens.refreshToken);
  const http = await world.http();
  const profile = await session.provider.fetchProfile(http, session.provider.endpoints(account.host), session.tokens, world.signal);
  const scopes = profile.scopes ?? session.tokens.scopes;
  const expiresAt = session.tokens.expiresAt ?? null;
  if (opts.json) {
    const out = { provider: account.provider, host: account.host, login: profile.login, id: profile.id, name: profile.name, email: profile.email, url: profile.url, scopes, expiresAt };
    await writeResult(world, `${JSON.stringify(out, null, 2)}\n`);
    return 0;
  }
  const paint = await paintFor(world, world.stdout);
  const rows: Array<[string, string]> = [
    ['Login', paint.bold(profile.login)],
    ['Name', profile.name ?? '—'],
    ['Email', profile.email ?? '—'],
    ['Profile', profile.url ?? '—'],
    ['Host', `${account.host} (${session.provider.displayName})`],
    ['Scopes', scopes.length ? scopes.join(', ') : 'none'],
    ['Token', formatExpiry(expiresAt)],
  ];
  await writeResult(world, rows.map(([k, v]) => `${`${k}:`.padEnd(9)}${v}\n`).join(''));
  return 0;
}
