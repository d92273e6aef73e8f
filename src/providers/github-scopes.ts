// Which scope a request GitHub refused needed, from the headers of its answer: X-OAuth-Scopes
// (what the token has) and X-Accepted-OAuth-Scopes (what the endpoint takes).

/**
 * gh's generateScopesSuggestion: on a 4xx other than 422, the first scope GitHub says the
 * endpoint accepts (X-Accepted-OAuth-Scopes) that the token lacks (X-OAuth-Scopes, with the
 * scopes a broader one implies), or undefined.
 */
export function missingScope(status: number, headers: Record<string, string>): string | undefined {
  if (status < 400 || status > 499 || status === 422) return undefined;
  const granted = headers['x-oauth-scopes'];
  if (!granted) return undefined;
  const got = new Set<string>();
  for (const raw of granted.split(',')) {
    const s = raw.trim();
    got.add(s);
    // https://docs.github.com/en/apps/oauth-apps/building-oauth-apps/scopes-for-oauth-apps
    if (s === 'repo') for (const x of ['repo:status', 'repo_deployment', 'public_repo', 'repo:invite', 'security_events']) got.add(x);
    else if (s === 'user') for (const x of ['read:user', 'user:email', 'user:follow']) got.add(x);
    else if (s === 'codespace') got.add('codespace:secrets');
    else if (s.startsWith('admin:')) for (const x of ['read:', 'write:']) got.add(x + s.slice('admin:'.length));
    else if (s.startsWith('write:')) got.add(`read:${s.slice('write:'.length)}`);
  }
  for (const raw of (headers['x-accepted-oauth-scopes'] ?? '').split(',')) {
    const s = raw.trim();
    if (s !== '' && !got.has(s)) return s;
  }
  return undefined;
}
