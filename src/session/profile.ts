// Who a session's token belongs to, as the provider says now.
import type { Profile } from '../providers/types.js';
import { clientCredentials } from './client-credentials.js';
import type { SessionDeps } from './deps.js';
import type { Session } from './session.js';

/** Who the session's token belongs to, asked of the provider now (whoami, status). */
export async function fetchSessionProfile(deps: SessionDeps, session: Session, signal: AbortSignal | undefined = deps.signal): Promise<Profile> {
  const { clientId } = clientCredentials(deps, session.provider, session.account);
  return session.provider.fetchProfile(await deps.http(), { endpoints: await session.endpoints(), tokens: session.tokens, clientId, ...(signal ? { signal } : {}) });
}
