// What a --debug trace may show. Tokens, codes and secrets are replaced before anything is
// written, whatever the format: JSON bodies, form bodies, headers and URLs.

const SECRET_FIELDS = [
  'access_token',
  'refresh_token',
  'id_token',
  'device_code',
  'code',
  'code_verifier',
  'client_secret',
  'webhook_secret',
  'pem',
  'token',
  'password',
];

const SECRET_HEADERS = new Set(['authorization', 'proxy-authorization', 'cookie', 'set-cookie']);

export const REDACTED = '[REDACTED]';

export function redactHeaderValue(name: string, value: string): string {
  if (!SECRET_HEADERS.has(name.toLowerCase())) return value;
  const scheme = /^(\w+)\s/.exec(value)?.[1];
  return scheme ? `${scheme} ${REDACTED}` : REDACTED;
}

/** Redacts secret fields in a JSON, form-encoded or query-string text. */
export function redactText(text: string, extraSecrets: readonly string[] = []): string {
  let out = text;
  for (const field of SECRET_FIELDS) {
    // JSON: "field": "value"
    out = out.replace(new RegExp(`("${field}"\\s*:\\s*)"(?:[^"\\\\]|\\\\.)*"`, 'g'), `$1"${REDACTED}"`);
    // form / query: field=value
    out = out.replace(new RegExp(`(^|[?&\\s])(${field}=)[^&\\s]*`, 'g'), `$1$2${REDACTED}`);
  }
  for (const secret of extraSecrets) {
    if (secret.length >= 4) out = out.split(secret).join(REDACTED);
  }
  return out;
}
