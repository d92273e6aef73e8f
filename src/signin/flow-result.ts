// What a sign-in flow hands back: the tokens, and what validates them once (never stored).
import type { TokenSet } from '../token-set.js';

export interface FlowResult {
  tokens: TokenSet;
  /** OpenID Connect: validated against the nonce, never stored (keychain entries stay small). */
  idToken?: string;
  nonce?: string;
}
