// What a body that should have been JSON is instead, in words for an error message. A leaf
// module: the OAuth readers and the listings use it without loading the HTTP client.

/** "an HTML page" (an error page from a proxy or the provider), "an empty body", or "a malformed reply". */
export function describeBody(raw: string, contentType?: string): string {
  if (/html/i.test(contentType ?? '') || /^\s*</.test(raw)) return 'an HTML page';
  return raw.trim() === '' ? 'an empty body' : 'a malformed reply';
}
