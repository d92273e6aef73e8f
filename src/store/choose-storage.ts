// Where a sign-in's tokens go, always the user's choice: `--storage keychain|pass|file` (or
// `--insecure-storage`, meaning file), else OAUTHCLI_STORAGE, else the config file's "storage",
// else the OS keychain. Never a silent fallback: when the keychain cannot be used, the error says
// what this machine can use instead (storage-advice.ts).
import { usageError } from '../errors.js';
import type { StorageKind } from './secrets.js';

export type StoredKind = Exclude<StorageKind, 'env'>;
/** The words users type, and the kinds they mean. */
export const STORAGE_WORDS = { keychain: 'keychain', pass: 'pass', file: 'insecure-file' } as const satisfies Record<string, StoredKind>;
export type StorageWord = keyof typeof STORAGE_WORDS;

export function storageOfWord(word: string, from: string): StoredKind {
  if (!Object.hasOwn(STORAGE_WORDS, word)) throw usageError(`invalid ${from} '${word}' (keychain, pass or file)`, 'bad_storage');
  return STORAGE_WORDS[word as StorageWord];
}

export function wordOfStorage(kind: StoredKind): StorageWord {
  return kind === 'insecure-file' ? 'file' : kind;
}

export interface StorageChoice {
  /** --storage */
  flag?: string | undefined;
  /** --insecure-storage */
  insecure?: boolean | undefined;
  env: NodeJS.ProcessEnv;
  /** The config file's "storage" setting. */
  configured?: string | undefined;
}

export function chooseStorage(choice: StorageChoice): StoredKind {
  if (choice.flag !== undefined) {
    const kind = storageOfWord(choice.flag, '--storage');
    if (choice.insecure && kind !== 'insecure-file') throw usageError(`--insecure-storage means --storage file; it does not go with --storage ${choice.flag}`, 'bad_storage');
    return kind;
  }
  if (choice.insecure) return 'insecure-file';
  if (choice.env.OAUTHCLI_STORAGE) return storageOfWord(choice.env.OAUTHCLI_STORAGE, 'OAUTHCLI_STORAGE');
  if (choice.configured !== undefined) return storageOfWord(choice.configured, '"storage" in the config file');
  return 'keychain';
}
