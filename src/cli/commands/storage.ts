// `oauthcli storage migrate --to keychain|pass|file [provider]`: moves the stored accounts (all,
// or one provider's) to another secret store, one line per account.
import { storageOfWord, wordOfStorage, type StoredKind } from '../../store/choose-storage.js';
import { migrateAccount, type Migration } from '../../store/migrate.js';
import { paintFor, type Paint } from '../terminal/paint.js';
import { safeText } from '../terminal/safe-text.js';
import type { World } from '../world.js';

export interface MigrateOptions {
  to: string;
}

export async function migrate(world: World, providerName: string | undefined, opts: MigrateOptions): Promise<number> {
  const to = storageOfWord(opts.to, '--to');
  const provider = providerName === undefined ? undefined : world.providers.get(providerName).name;
  const accounts = world.accounts
    .list()
    .filter((a) => a.storage !== 'env' && (provider === undefined || a.provider === provider))
    .sort((a, b) => `${a.provider} ${a.host} ${a.login}`.localeCompare(`${b.provider} ${b.host} ${b.login}`));
  if (accounts.length === 0) {
    world.info(provider ? `No ${provider} account is stored; nothing to move.` : 'No account is stored; nothing to move.');
    return 0;
  }
  // Before anything moves: can the new store be used at all?
  if (accounts.some((a) => a.storage !== to)) await world.secrets(to).check();
  const paint = await paintFor(world, world.stderr);
  let failed = false;
  for (const account of accounts) {
    const result = await migrateAccount(world, account, to);
    const who = `${account.provider} ${safeText(account.login)} (${account.host})`;
    world.info(line(result, who, to, paint));
    if (result.outcome === 'failed' || result.outcome === 'left-behind') failed = true;
  }
  return failed ? 1 : 0;
}

function line(result: Migration, who: string, to: StoredKind, paint: Paint): string {
  switch (result.outcome) {
    case 'moved':
      return `${paint.green('✓')} ${who}: ${wordOfStorage(result.from)} → ${wordOfStorage(to)}`;
    case 'already':
      return `- ${who}: already in ${wordOfStorage(to)}`;
    case 'left-behind':
      return `${paint.yellow('!')} ${who}: ${wordOfStorage(result.from)} → ${wordOfStorage(to)}, but the old copy could not be removed: ${result.error.message}`;
    case 'failed':
      return `${paint.red('✗')} ${who}: not moved: ${result.error.message}`;
  }
}
