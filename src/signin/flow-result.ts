// What every sign-in flow is given, and what it hands back: the tokens, and what validates them
// once (never stored).
import type { Endpoints, Provider } from '../providers/types.js';
import type { TokenSet } from '../token-set.js';

export interface FlowParams {
  provider: Provider;
  endpoints: Endpoints;
  clientId: string;
  clientSecret: string | undefined;
  scopes: string[];
  /** False with --no-browser. */
  openBrowser: boolean;
}

export interface FlowResult {
  tokens: TokenSet;
  /** OpenID Connect: validated against the nonce, never stored (keychain entries stay small). */
  idToken?: string;
  nonce?: string;
}
