// What openSession hands a command: an account, its provider and its tokens, valid now.
import type { Endpoints, Provider } from '../providers/types.js';
import type { AccountMeta } from '../store/accounts.js';
import type { TokenSet } from '../token-set.js';

export interface Session {
  account: AccountMeta;
  provider: Provider;
  tokens: TokenSet;
  /** The provider's endpoints for this account's host (discovery for OpenID Connect issuers): fetched once, when first needed. */
  endpoints(): Promise<Endpoints>;
}
