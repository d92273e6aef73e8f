// Reading stdin when a command takes its input there (a token, a client secret, git's request):
// bounded, so a wrong file piped in is refused early instead of read whole.
import { failure } from '../../errors.js';
import type { World } from '../world.js';

/** All of stdin as text; throws `tooLong` (or a generic failure) once more than `maxBytes` arrived. */
export async function readStdin(world: Pick<World, 'stdin'>, maxBytes: number, tooLong?: () => Error): Promise<string> {
  return (await readStdinBytes(world, maxBytes, tooLong)).toString('utf8');
}

/** All of stdin as bytes (a request body may be binary), bounded as readStdin is. */
export async function readStdinBytes(world: Pick<World, 'stdin'>, maxBytes: number, tooLong?: () => Error): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of world.stdin) {
    const bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string);
    size += bytes.length;
    if (size > maxBytes) {
      world.stdin.pause();
      world.stdin.unref?.();
      throw tooLong?.() ?? failure(`more than ${Math.round(maxBytes / 1024)} KB arrived on stdin; is that the right input?`, { code: 'input_too_long' });
    }
    chunks.push(bytes);
  }
  return Buffer.concat(chunks);
}
