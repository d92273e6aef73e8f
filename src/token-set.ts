// The tokens of one signed-in account, as oauthcli keeps them. A neutral home: the protocol
// (src/oauth) produces token sets, the stores (src/store) keep them, sessions hand them out.

export interface TokenSet {
  accessToken: string;
  tokenType: string;
  refreshToken?: string;
  /** ISO-8601; absent for a token that does not expire. */
  expiresAt?: string;
  refreshTokenExpiresAt?: string;
  scopes: string[];
  /**
   * The secret of the client the tokens were issued to (AccountMeta.clientId), when the sign-in
   * had one: kept here, in the secret store, so that refresh and revocation work without the
   * environment variable the sign-in used. Never printed, never in the config file.
   */
  clientSecret?: string;
  /**
   * The OpenID Connect ID token of the sign-in (or of the latest refresh that brought one),
   * validated when it arrived: who signed in when the API's userinfo cannot say (a token for
   * another resource), and what `oauthcli token --id-token` hands to Kubernetes. Kept with the
   * other tokens (keychain), never in the config file.
   */
  idToken?: string;
}
