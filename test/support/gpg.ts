// A real GnuPG and `pass` for tests (Debian's gnupg and pass): a GNUPGHOME in a temp folder with
// two keys made for the test, and a password store initialised with `pass init`.
// - `plain`: no passphrase, so decryption needs no prompt;
// - `locked`: a passphrase, which gpg-agent asks for through its pinentry. The agent allows the
//   loopback pinentry (gpg-agent(1), --allow-loopback-pinentry), so the test itself can type the
//   passphrase (`unlock`) into the agent's cache, and `lock` makes the agent forget it again
//   (gpgconf --reload gpg-agent clears the passphrase cache, gpg-agent(1) "SIGHUP").
import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface GpgLab {
  gnupgHome: string;
  storeDir: string;
  /** GNUPGHOME and PASSWORD_STORE_DIR, for a child's environment. */
  env: Record<string, string>;
  /** Fingerprint of the key without a passphrase (the store's .gpg-id). */
  plainKey: string;
  /** Fingerprint of the key with a passphrase. */
  lockedKey: string;
  passphrase: string;
  gpg(args: string[], input?: string): Promise<Run>;
  pass(args: string[], input?: string): Promise<Run>;
  /** The agent forgets every cached passphrase. */
  lock(): Promise<void>;
  /** Types the locked key's passphrase into the agent's cache, as a pinentry would. */
  unlock(): Promise<void>;
  /** Stops this GNUPGHOME's gpg-agent. */
  close(): Promise<void>;
}

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function run(program: string, args: string[], env: NodeJS.ProcessEnv, input?: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = execFile(program, args, { env, timeout: 60_000, maxBuffer: 4 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error && (error as NodeJS.ErrnoException).code === 'ENOENT') return reject(new Error(`${program} is not installed (apt install gnupg pass)`));
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout: String(stdout), stderr: String(stderr) });
    });
    // EPIPE when the program exits before reading its input (`pass` on a store that is not set up):
    // its exit status says why, so the write's error is not a second failure.
    child.stdin!.on('error', () => undefined);
    child.stdin!.end(input ?? '');
  });
}

/** Makes `<root>/gnupg` and the store (`storeDir`, default `<root>/password-store`); `pass init` with the plain key. */
export async function setUpGpg(root: string, options: { storeDir?: string; gnupgHome?: string } = {}): Promise<GpgLab> {
  const gnupgHome = options.gnupgHome ?? join(root, 'gnupg');
  const storeDir = options.storeDir ?? join(root, 'password-store');
  mkdirSync(gnupgHome, { recursive: true, mode: 0o700 });
  writeFileSync(join(gnupgHome, 'gpg-agent.conf'), 'allow-loopback-pinentry\n');
  const env: Record<string, string> = { GNUPGHOME: gnupgHome, PASSWORD_STORE_DIR: storeDir };
  const childEnv = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: root, LANG: 'C', ...env };
  const passphrase = 'correct horse battery staple';
  const must = async (what: string, p: Promise<Run>) => {
    const r = await p;
    if (r.code !== 0) throw new Error(`${what} failed (${r.code}): ${r.stderr}`);
    return r;
  };
  const gpg = (args: string[], input?: string) => run('gpg', args, childEnv, input);
  const pass = (args: string[], input?: string) => run('pass', args, childEnv, input);
  const fingerprint = async (uid: string) => {
    const out = (await must('gpg --list-keys', gpg(['--batch', '--with-colons', '--list-keys', uid]))).stdout;
    return /^fpr:+([0-9A-F]{40}):/m.exec(out)![1]!;
  };

  // ed25519 + cv25519: made in milliseconds, with no entropy to wait for.
  await must('gpg --quick-gen-key (plain)', gpg(['--batch', '--passphrase', '', '--quick-gen-key', 'oauthcli test <plain@oauthcli.test>', 'futuredefault', 'default', 'never']));
  await must(
    'gpg --quick-gen-key (locked)',
    gpg(['--batch', '--pinentry-mode', 'loopback', '--passphrase', passphrase, '--quick-gen-key', 'oauthcli locked <locked@oauthcli.test>', 'futuredefault', 'default', 'never']),
  );
  const plainKey = await fingerprint('plain@oauthcli.test');
  const lockedKey = await fingerprint('locked@oauthcli.test');
  await must('pass init', pass(['init', plainKey]));

  const lab: GpgLab = {
    gnupgHome,
    storeDir,
    env,
    plainKey,
    lockedKey,
    passphrase,
    gpg,
    pass,
    async lock() {
      await must('gpgconf --reload gpg-agent', run('gpgconf', ['--reload', 'gpg-agent'], childEnv));
    },
    async unlock() {
      // Signing needs the secret key, so the agent asks (here: the loopback) and caches the passphrase.
      await must('unlock', gpg(['--batch', '--pinentry-mode', 'loopback', '--passphrase', passphrase, '--local-user', lockedKey, '--output', '/dev/null', '--sign'], 'unlock'));
    },
    async close() {
      await run('gpgconf', ['--kill', 'all'], childEnv).catch(() => undefined);
    },
  };
  await lab.lock(); // making the key cached its passphrase
  return lab;
}
