// `oauthcli status`: every stored account, without calling any provider.
import { accountKey } from '../../store/accounts.js';
import { formatExpiry, paintFor, writeResult } from '../output.js';
import type { World } from '../world.js';

const STORAGE_LABEL = { keychain: 'keychain', 'insecure-file': 'insecure file' } as const;

export async function run(world: World, opts: { json?: boolean }): Promise<number> {
  const accounts = world.accounts.list().sort((a, b) => `${a.provider} ${a.host} ${a.login}`.localeCompare(`${b.provider} ${b.host} ${b.login}`));
  const rows = await Promise.all(
    accounts.map(async (a) => {
      // Expiry lives with the tokens; a keychain we cannot read makes it unknown, not fatal.
      const tokens = await world.secrets(a.storage).get(accountKey(a)).catch(() => undefined);
      return {
        provider: a.provider,
        host: a.host,
        login: a.login,
        active: world.accounts.isActive(a),
        current: world.accounts.currentKey() === accountKey(a),
        scopes: tokens?.scopes ?? a.scopes,
        expiresAt: tokens ? (tokens.expiresAt ?? null) : null,
        storage: STORAGE_LABEL[a.storage],
        tokenFound: tokens !== undefined,
        needsLogin: Boolean(a.needsLogin),
      };
    }),
  );
  if (opts.json) {
    const out = rows.map(({ tokenFound: _t, needsLogin, ...row }) => ({ ...row, needsLogin }));
    await writeResult(world, `${JSON.stringify(out, null, 2)}\n`);
    return 0;
  }
  if (rows.length === 0) {
    await writeResult(world, 'No accounts are signed in. Run: oauthcli login github\n');
    return 0;
  }
  const paint = await paintFor(world, world.stdout);
  const providers = [...new Set(rows.map((r) => world.providers.get(r.provider).displayName))];
  const lines: string[] = [`${paint.bold('Profile')} ${world.accounts.profile()?.id ?? '—'}: connected to ${providers.join(', ')}`, ''];
  let lastHost = '';
  for (const r of rows) {
    const heading = `${r.host} (${r.provider})`;
    if (heading !== lastHost) lines.push(paint.bold(heading));
    lastHost = heading;
    const marker = r.active ? paint.green('✓') : ' ';
    const marks = [r.active ? 'active' : '', r.current ? 'current' : ''].filter(Boolean).join(', ');
    lines.push(`  ${marker} ${r.login}${marks ? ` (${marks})` : ''}`);
    lines.push(`    Scopes:  ${r.scopes.length ? r.scopes.join(', ') : 'none'}`);
    const state = r.needsLogin ? paint.red('sign-in expired: run oauthcli login again') : r.tokenFound ? formatExpiry(r.expiresAt) : paint.yellow('token not found in storage');
    lines.push(`    Token:   ${state}`);
    lines.push(`    Storage: ${r.storage === 'insecure file' ? paint.yellow(r.storage) : r.storage}`);
  }
  await writeResult(world, `${lines.join('\n')}\n`);
  return 0;
}
