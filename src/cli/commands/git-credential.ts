// `oauthcli git-credential get|store|erase` (and `capability`): git's credential-helper protocol,
// called by git, not by people. `get` answers only for a host with an account; `store` and
// `erase` are heard and ignored (git's copy is ours, and a rejected password is no reason to
// forget a sign-in). stdout carries the answer and nothing else; no prompt, ever.
import { answerGet } from '../../git/credential.js';
import { formatCredentialAnswer, parseCredentialRequest } from '../../git/credential-protocol.js';
import { safeText } from '../terminal/safe-text.js';
import { writeResult } from '../terminal/streams.js';
import { readStdin } from '../terminal/stdin.js';
import type { World } from '../world.js';

/** git's input is a few short lines; read no more than this. */
const MAX_INPUT_BYTES = 256 * 1024;

export async function run(world: World, operation: string): Promise<number> {
  const input = await readInput(world);
  if (operation === 'capability') {
    // No optional capability is needed to answer with a username and password.
    await writeResult(world, 'version 0\n');
    return 0;
  }
  if (operation !== 'get') return 0;
  const { answer, note } = await answerGet(world, parseCredentialRequest(input));
  if (note) world.info(`oauthcli: ${safeText(note)}`);
  if (answer) await writeResult(world, formatCredentialAnswer(answer));
  return 0;
}

async function readInput(world: World): Promise<string> {
  if (world.stdin.isTTY) return '';
  // More than git ever sends: whatever it is, it is not a credential request.
  return readStdin(world, MAX_INPUT_BYTES).catch(() => '');
}
