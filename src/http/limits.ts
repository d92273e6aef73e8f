// How long and how much: the bounds every request lives within. A leaf module (no imports), so
// the stores can size their locks from these without loading the HTTP client.

/** The longest a single request may take, from sending it to the last byte of its body. */
export const REQUEST_DEADLINE_MS = 30_000;

/** The longest opening a connection may take (TCP and TLS, or the proxy's CONNECT). */
export const CONNECT_TIMEOUT_MS = 10_000;

/** The largest body we read by default: OAuth answers, profiles and discovery documents are a few KB. */
export const MAX_BODY_BYTES = 4 * 1024 * 1024;

/** Metadata documents (OpenID Connect discovery, a key set) are a few KB; megabytes mean a broken or hostile server. */
export const MAX_METADATA_BYTES = 512 * 1024;

/**
 * The most pages one listing follows (`repos`, `api --paginate`): 10,000 pages of 100 is a million
 * items, past any real account; a server that sends `next` links (or a `rel="last"`) without end
 * stops here, with one line. `--max-pages N` raises it.
 */
export const MAX_LISTING_PAGES = 10_000;

/** A listing stopped at its page cap: the line that says so. */
export function pageCapMessage(host: string, maxPages: number, lastPage?: number): string {
  const said = lastPage !== undefined && lastPage > maxPages ? ` (it says it has ${String(lastPage).replace(/\B(?=(\d{3})+(?!\d))/g, ',')})` : '';
  return `stopped after ${String(maxPages).replace(/\B(?=(\d{3})+(?!\d))/g, ',')} pages of ${host}'s listing${said}; raise the cap with --max-pages N`;
}

/** A page of a listing (100 of GitHub's ~6.5 KB repository objects is ~650 KB). */
export const MAX_PAGE_BYTES = 32 * 1024 * 1024;
