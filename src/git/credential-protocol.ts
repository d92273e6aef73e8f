// git's credential-helper protocol (Documentation/git-credential.adoc, "INPUT/OUTPUT FORMAT"):
// `key=value` lines up to a blank line or the end; keys ending in `[]` hold several values (an
// empty one clears the list); no quoting, and no value may hold a newline or NUL. Unknown keys
// and capabilities are ignored, as the protocol asks.

export interface CredentialRequest {
  protocol?: string;
  /** With its port when the URL had one (`example.com:8088`). */
  host?: string;
  path?: string;
  username?: string;
  password?: string;
  /** What git says it understands (git ≥ 2.46 sends `capability[]=authtype` and `state`). */
  capabilities: string[];
  /** The WWW-Authenticate headers of the answer that made git ask. */
  wwwauth: string[];
  /** Every other key, last value wins (`authtype`, `credential`, `url` parts already folded in). */
  other: Record<string, string>;
}

export interface CredentialAnswer {
  username: string;
  password: string;
  /** Unix time (seconds, UTC) after which git should not use the password. */
  passwordExpiryUtc?: number;
}

/** The longest line git allows (65,535 bytes with its newline); a longer input is not from git. */
const MAX_LINE = 65_535;

export function parseCredentialRequest(text: string): CredentialRequest {
  const request: CredentialRequest = { capabilities: [], wwwauth: [], other: Object.create(null) as Record<string, string> };
  for (const line of text.split('\n')) {
    if (line === '' || line === '\r') break;
    if (line.length >= MAX_LINE) continue;
    const eq = line.indexOf('=');
    if (eq <= 0) continue;
    const key = line.slice(0, eq);
    const value = line.slice(eq + 1).replace(/\r$/, '');
    if (key === 'capability[]') listValue(request.capabilities, value);
    else if (key === 'wwwauth[]') listValue(request.wwwauth, value);
    else if (key === 'url') Object.assign(request, urlParts(value));
    else if (key === 'protocol' || key === 'host' || key === 'path' || key === 'username' || key === 'password') request[key] = value;
    else request.other[key] = value;
  }
  return request;
}

/** `key[]=` with an empty value resets the list. */
function listValue(list: string[], value: string): void {
  if (value === '') list.length = 0;
  else list.push(value);
}

function urlParts(value: string): Partial<CredentialRequest> {
  try {
    const url = new URL(value);
    return {
      protocol: url.protocol.replace(/:$/, ''),
      host: url.host,
      ...(url.pathname && url.pathname !== '/' ? { path: decodeURIComponent(url.pathname.slice(1)) } : {}),
      ...(url.username ? { username: decodeURIComponent(url.username) } : {}),
    };
  } catch {
    return {};
  }
}

/**
 * The answer to `get`: username and password (and their expiry). No `authtype`/`credential`
 * and no capability lines: those may only be sent when git announced the capability, and a
 * username and password are what GitHub and GitLab take over HTTPS.
 */
export function formatCredentialAnswer(answer: CredentialAnswer): string {
  const safe = (value: string) => {
    if (/[\n\0]/.test(value)) throw new Error('a credential value cannot hold a newline or NUL');
    return value;
  };
  let out = `username=${safe(answer.username)}\npassword=${safe(answer.password)}\n`;
  if (answer.passwordExpiryUtc !== undefined) out += `password_expiry_utc=${Math.floor(answer.passwordExpiryUtc)}\n`;
  return out;
}
