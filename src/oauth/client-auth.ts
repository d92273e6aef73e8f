// How a client proves who it is to the token, device and revocation endpoints (RFC 6749 §2.3):
// a public client sends its id; a confidential one adds its secret in the body
// (client_secret_post) or as HTTP Basic (client_secret_basic), never both.

export type ClientAuthMethod = 'none' | 'client_secret_post' | 'client_secret_basic';

export interface ClientAuth {
  clientId: string;
  clientSecret?: string;
  /** How the secret travels, when there is one. */
  method: Exclude<ClientAuthMethod, 'none'>;
}

export function clientAuth(clientId: string, clientSecret: string | undefined, method: ClientAuth['method'] = 'client_secret_post'): ClientAuth {
  return { clientId, ...(clientSecret ? { clientSecret } : {}), method };
}

/** Request parameters and headers that carry the client's identity. */
export function clientAuthFields(auth: ClientAuth, withSecret: boolean): { params: Record<string, string>; headers: Record<string, string> } {
  if (!withSecret || !auth.clientSecret) return { params: { client_id: auth.clientId }, headers: {} };
  if (auth.method === 'client_secret_post') return { params: { client_id: auth.clientId, client_secret: auth.clientSecret }, headers: {} };
  // §2.3.1: both parts form-urlencoded before base64. client_id stays in the body too: some
  // endpoints (Google's device endpoint) read it only there, and servers accept it when it matches.
  const basic = Buffer.from(`${formUrlEncode(auth.clientId)}:${formUrlEncode(auth.clientSecret)}`).toString('base64');
  return { params: { client_id: auth.clientId }, headers: { authorization: `Basic ${basic}` } };
}

/** The method to use with a secret, from the server's advertised list (RFC 8414: Basic when absent). */
export function pickSecretMethod(supported: readonly string[] | undefined): ClientAuth['method'] {
  const methods = supported ?? ['client_secret_basic'];
  return methods.includes('client_secret_basic') ? 'client_secret_basic' : methods.includes('client_secret_post') ? 'client_secret_post' : 'client_secret_basic';
}

/**
 * application/x-www-form-urlencoded as RFC 6749 §2.3.1 and Appendix B ask of a Basic username and
 * password: a space is `+`, and every character but letters, digits and `-._` is percent-encoded
 * (encodeURIComponent leaves `!'()*~` as they are, and writes a space as %20).
 */
export function formUrlEncode(text: string): string {
  return encodeURIComponent(text)
    .replace(/[!'()*~]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%20/g, '+');
}
