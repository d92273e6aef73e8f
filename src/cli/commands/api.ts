// Being built (this session); replaced before it lands.
import { failure } from '../../errors.js';
import type { World } from '../world.js';

export async function run(_world: World): Promise<number> {
  throw failure('not built yet');
}
