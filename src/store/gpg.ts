// Runs the `gpg` program (GnuPG), never a shell: arguments as a list, input through a pipe, a
// machine-readable status stream (`--status-fd`) on a descriptor of its own, and a deadline after
// which gpg is killed. Plaintext only ever passes through gpg's stdin or stdout, never a file.
import { spawn } from 'node:child_process';
import { failure } from '../errors.js';

export interface GpgRun {
  /** gpg's exit status (0 ok, 2 for most failures). */
  code: number;
  stdout: Buffer;
  /** gpg's human-readable messages (never shown whole to the user: they may name files). */
  stderr: string;
  /** The `[GNUPG:] KEYWORD args` lines of `--status-fd`, without the prefix. */
  status: string[];
}

export interface GpgOptions {
  env: NodeJS.ProcessEnv;
  /** Written to gpg's stdin, which is then closed; without it stdin is /dev/null. */
  input?: Uint8Array | string;
  timeoutMs: number;
  /** gpg is stopped once its stdout grows past this. */
  maxOutputBytes?: number;
  /** The program's name or path (`gpg`). */
  program?: string;
}

const STATUS_FD = 3;
const DEFAULT_MAX_OUTPUT = 1024 * 1024;

export async function runGpg(args: string[], options: GpgOptions): Promise<GpgRun> {
  const program = options.program ?? 'gpg';
  const max = options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT;
  return new Promise<GpgRun>((resolve, reject) => {
    const child = spawn(program, ['--status-fd', String(STATUS_FD), ...args], {
      env: options.env,
      stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe', 'pipe'],
      shell: false,
      windowsHide: true,
    });
    const out: Buffer[] = [];
    let outBytes = 0;
    let stderr = '';
    let status = '';
    let failed: Error | undefined;
    const stop = (error: Error) => {
      failed ??= error;
      child.kill('SIGKILL');
    };
    const timer = setTimeout(() => stop(failure(`gpg did not finish within ${Math.round(options.timeoutMs / 1000)} s (is gpg-agent waiting for a passphrase?)`, { code: 'gpg_timeout' })), options.timeoutMs);
    child.stdout!.on('data', (chunk: Buffer) => {
      outBytes += chunk.length;
      if (outBytes > max) stop(failure(`gpg's output is larger than ${Math.round(max / 1024)} KB; that is not a token set oauthcli wrote`, { code: 'storage_error' }));
      else out.push(chunk);
    });
    child.stderr!.on('data', (chunk: Buffer) => {
      if (stderr.length < 64 * 1024) stderr += chunk.toString('utf8');
    });
    const statusStream = child.stdio[STATUS_FD] as NodeJS.ReadableStream;
    statusStream.on('data', (chunk: Buffer) => {
      if (status.length < 64 * 1024) status += chunk.toString('utf8');
    });
    child.on('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      if (error.code === 'ENOENT') reject(failure(`the gpg program is not installed (or not on PATH); install GnuPG (Debian/Ubuntu: sudo apt install gnupg pass)`, { code: 'gpg_missing', cause: error }));
      else reject(failure(`cannot run gpg: ${error.message}`, { code: 'gpg_error', cause: error }));
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      if (failed) return reject(failed);
      resolve({
        code: code ?? 1,
        stdout: Buffer.concat(out),
        stderr,
        status: status
          .split('\n')
          .filter((l) => l.startsWith('[GNUPG:] '))
          .map((l) => l.slice(9)),
      });
    });
    if (options.input !== undefined) {
      // EPIPE when gpg stops reading early (a bad recipient): its exit status says why.
      child.stdin!.on('error', () => undefined);
      child.stdin!.end(options.input);
    }
  });
}

/** The libgpg-error code in a status line's error number (its low 16 bits). */
export function gpgErrorCode(value: string | undefined): number | undefined {
  const n = Number(value);
  return Number.isSafeInteger(n) ? n & 0xffff : undefined;
}
