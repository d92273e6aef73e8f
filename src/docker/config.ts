// docker's client configuration, `config.json` in DOCKER_CONFIG or ~/.docker
// (https://docs.docker.com/reference/cli/docker/#configuration-files): setup-docker adds
// `"credHelpers": {"ghcr.io": "oauthcli"}` entries, so docker runs docker-credential-oauthcli for
// those registries, and removes exactly those. Every other key (auths, credsStore, proxies,
// plugins, …) is kept as it was. The file is replaced atomically (a temp file beside it,
// renamed over it) with its mode kept (0600 for a new one), and never written through a
// symbolic link: a linked config (a dotfiles repository) is the user's to edit.
import { chmod, lstat, mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { failure } from '../errors.js';

/** The suffix docker puts after `docker-credential-` to find the program. */
export const HELPER_SUFFIX = 'oauthcli';
const MAX_CONFIG_BYTES = 4 * 1024 * 1024;

export function dockerConfigPath(env: NodeJS.ProcessEnv, home = homedir()): string {
  return join(env.DOCKER_CONFIG || join(home, '.docker'), 'config.json');
}

type DockerConfig = Record<string, unknown> & { credHelpers?: Record<string, string> };

interface Loaded {
  config: DockerConfig;
  /** The file's mode, or undefined when there is no file yet. */
  mode: number | undefined;
}

async function load(path: string): Promise<Loaded> {
  let stat;
  try {
    stat = await lstat(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { config: {}, mode: undefined };
    throw failure(`cannot read ${path}: ${(error as Error).message}`, { code: 'docker_config' });
  }
  if (stat.isSymbolicLink()) throw failure(`${path} is a symbolic link; oauthcli does not write through links: add the credHelpers entries to the file it points to by hand`, { code: 'docker_config_link' });
  if (!stat.isFile()) throw failure(`${path} is not a file`, { code: 'docker_config' });
  if (stat.size > MAX_CONFIG_BYTES) throw failure(`${path} is larger than ${MAX_CONFIG_BYTES / 1024 / 1024} MB; is it docker's config?`, { code: 'docker_config' });
  const text = await readFile(path, 'utf8');
  let config: unknown;
  try {
    config = text.trim() === '' ? {} : JSON.parse(text);
  } catch (error) {
    throw failure(`${path} is not valid JSON (${(error as Error).message}); fix it, then run this again`, { code: 'docker_config' });
  }
  if (config === null || typeof config !== 'object' || Array.isArray(config)) throw failure(`${path} does not hold a JSON object`, { code: 'docker_config' });
  const helpers = (config as DockerConfig).credHelpers;
  if (helpers !== undefined && (helpers === null || typeof helpers !== 'object' || Array.isArray(helpers))) throw failure(`"credHelpers" in ${path} is not an object`, { code: 'docker_config' });
  return { config: config as DockerConfig, mode: stat.mode & 0o7777 };
}

/** Writes the config as docker does (tab-indented JSON), atomically; an empty config removes the file. */
async function save(path: string, config: DockerConfig, mode: number | undefined): Promise<void> {
  if (Object.keys(config).length === 0) {
    await rm(path, { force: true });
    return;
  }
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.${process.pid}.${Date.now()}.tmp`;
  try {
    const file = await open(tmp, 'wx', 0o600);
    try {
      await file.writeFile(`${JSON.stringify(config, null, '\t')}\n`);
      await file.sync();
    } finally {
      await file.close();
    }
    await chmod(tmp, mode ?? 0o600);
    await rename(tmp, path);
  } catch (error) {
    await rm(tmp, { force: true }).catch(() => undefined);
    throw failure(`cannot write ${path}: ${(error as Error).message}`, { code: 'docker_config' });
  }
}

/** Points each registry at docker-credential-oauthcli; returns the registries that changed (none when run again). */
export async function addCredHelpers(path: string, registries: readonly string[]): Promise<string[]> {
  const { config, mode } = await load(path);
  const helpers = { ...(config.credHelpers ?? {}) };
  const changed = registries.filter((r) => helpers[r] !== HELPER_SUFFIX);
  if (changed.length === 0) return [];
  for (const r of changed) helpers[r] = HELPER_SUFFIX;
  await save(path, { ...config, credHelpers: helpers }, mode);
  return changed;
}

/** Removes the entries that name oauthcli (all of them, or those of `registries`); returns the registries removed. */
export async function removeCredHelpers(path: string, registries?: readonly string[]): Promise<string[]> {
  const { config, mode } = await load(path);
  const helpers = { ...(config.credHelpers ?? {}) };
  const removed = Object.keys(helpers).filter((r) => helpers[r] === HELPER_SUFFIX && (!registries || registries.includes(r)));
  if (removed.length === 0) return [];
  for (const r of removed) delete helpers[r];
  const next: DockerConfig = { ...config, credHelpers: helpers };
  if (Object.keys(helpers).length === 0) delete next.credHelpers;
  await save(path, next, mode);
  return removed;
}
