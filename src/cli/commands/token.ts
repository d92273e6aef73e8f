// `oauthcli token [provider]`: a valid access token and a newline on stdout, nothing else,
// for GH_TOKEN=$(oauthcli token). A fresh token costs one keychain read and no request.
import { openSession } from '../../session.js';
import { writeResult } from '../output.js';
import type { World } from '../world.js';

export async function run(world: World, provider: string | undefined, opts: { hostname?: string; user?: string }): Promise<number> {
  const account = world.selectAccount({ provider, hostname: opts.hostname, user: opts.user });
  const { tokens } = await openSession(world, account);
  await writeResult(world, `${tokens.accessToken}\n`);
  return 0;
}
