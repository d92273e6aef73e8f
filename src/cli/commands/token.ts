// `oauthcli token [provider]`: a valid access token and a newline on stdout, nothing else,
// for GH_TOKEN=$(oauthcli token). A fresh token costs one keychain read and no request.
// `--json` adds its expiry, scopes and account; `--min-valid 10m` refreshes first unless it lasts
// that long; `--id-token` hands out the OpenID Connect ID token instead; `--exec-credential` wraps
// it in the ExecCredential kubectl's exec plugins answer (src/kube/exec-credential.ts). Nothing
// here ever starts a sign-in: kubectl and scripts get one line on stderr saying what to run.
import { credentialFor } from '../../session/tool-credential.js';
import { parseDuration } from '../../duration.js';
import { usageError } from '../../errors.js';
import { safeJson } from '../terminal/safe-text.js';
import { writeResult } from '../terminal/streams.js';
import type { World } from '../world.js';

interface TokenOptions {
  hostname?: string;
  user?: string;
  json?: boolean;
  minValid?: string;
  idToken?: boolean;
  execCredential?: boolean;
}

export async function run(world: World, provider: string | undefined, opts: TokenOptions): Promise<number> {
  if (opts.json && opts.execCredential) throw usageError('--json and --exec-credential are two different outputs: choose one');
  const minValidMs = opts.minValid === undefined ? undefined : parseDuration(opts.minValid);
  if (minValidMs === undefined && opts.minValid !== undefined) throw usageError(`--min-valid takes a duration such as 10m, 90s or 1h (at most 24h), not "${opts.minValid}"`);
  // kubectl's request is read first: a version we cannot answer is reported before any keychain read.
  const execVersion = opts.execCredential ? (await import('../../kube/exec-credential.js')).requestedApiVersion(world.env) : undefined;
  const account = world.selectAccount({ provider, hostname: opts.hostname, user: opts.user });
  const credential = await credentialFor(world, account, { ...(minValidMs !== undefined ? { minValidMs } : {}), idToken: Boolean(opts.idToken) });
  if (execVersion) {
    const { execCredential } = await import('../../kube/exec-credential.js');
    await writeResult(world, `${JSON.stringify(execCredential(execVersion, credential.token, credential.expiresAt))}\n`);
  } else if (opts.json) {
    const { token, expiresAt, scopes } = credential;
    // Provider data (scopes, login) may hold anything: safeJson escapes what a terminal would obey.
    await writeResult(world, `${safeJson({ token, expiresAt: expiresAt ?? null, scopes, provider: account.provider, host: account.host, login: account.login })}\n`);
  } else {
    await writeResult(world, `${credential.token}\n`);
  }
  return 0;
}
