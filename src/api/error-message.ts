// What an API error says, in one line: the provider's own message from a JSON error body, read as
// gh's parseErrorResponse reads GitHub's (`message`; `errors` as a string, or a list of strings or
// of objects with a `message`), plus the shapes of GitLab (`message` as a string or an object of
// field errors, `error`) and OAuth resource servers (`error_description`, `error`).

/** The message in an error body, or undefined when it has none (not JSON, or no known field). */
export function errorBodyMessage(body: string): string | undefined {
  let doc: unknown;
  try {
    doc = JSON.parse(body);
  } catch {
    return undefined;
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) return undefined;
  const d = doc as Record<string, unknown>;
  const message = typeof d.message === 'string' && d.message !== '' ? d.message : undefined;
  if (typeof d.errors === 'string' && d.errors !== '') return message ? `${d.errors} (${message})` : d.errors;
  const details = Array.isArray(d.errors)
    ? d.errors
        .map((e) => (typeof e === 'string' ? e : typeof e === 'object' && e !== null && typeof (e as { message?: unknown }).message === 'string' ? (e as { message: string }).message : undefined))
        .filter((m): m is string => Boolean(m))
        .join('; ')
    : '';
  // gh shows only the message ("Validation Failed"); the details say what failed.
  if (message) return details ? `${message}: ${details}` : message;
  if (details) return details;
  // GitLab's validation errors: {"message": {"name": ["has already been taken"]}}.
  if (typeof d.message === 'object' && d.message !== null) {
    // Only the words: a value nested any deeper is not turned into text (join and String recurse without end).
    const words = (v: unknown) => (Array.isArray(v) ? v : [v]).filter((w) => typeof w === 'string' || typeof w === 'number').join(', ');
    const parts = Object.entries(d.message as Record<string, unknown>).map(([k, v]) => `${k} ${words(v)}`.trim());
    if (parts.length) return parts.join('; ');
  }
  if (typeof d.error_description === 'string' && d.error_description !== '') return d.error_description;
  if (typeof d.error === 'string' && d.error !== '') return d.error;
  if (typeof d.error === 'object' && d.error !== null && typeof (d.error as { message?: unknown }).message === 'string') {
    return (d.error as { message: string }).message; // Google's {"error": {"code": 403, "message": …}}
  }
  return undefined;
}

/** A GraphQL answer's `errors`, joined; undefined when it has none. GraphQL reports errors with HTTP 200. */
export function graphqlErrors(body: string): string | undefined {
  try {
    const doc = JSON.parse(body) as { errors?: unknown };
    if (!Array.isArray(doc?.errors) || doc.errors.length === 0) return undefined;
    return errorBodyMessage(JSON.stringify({ errors: doc.errors })) ?? 'the GraphQL answer holds errors';
  } catch {
    return undefined;
  }
}
