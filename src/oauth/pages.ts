// The small pages the loopback listener shows in the browser: self-contained (no external
// resources, a CSP that forbids them), and every reflected value HTML-escaped.

export const PAGE_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
} as const;

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;', '`': '&#96;' };

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"'`]/g, (c) => ESCAPES[c]!);
}

export function page(title: string, message: string, detail?: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} · oauthcli</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem;color:#1f2328}
h1{font-size:1.4rem}p.detail{color:#59636e;font-family:ui-monospace,monospace;font-size:.9rem;word-break:break-word}</style>
</head><body><h1 id="title">${escapeHtml(title)}</h1><p id="message">${escapeHtml(message)}</p>${
    detail ? `<p class="detail" id="detail">${escapeHtml(detail)}</p>` : ''
  }</body></html>\n`;
}

export const pages = {
  received: () => page('Done', 'oauthcli received the answer. You may close this tab and return to the terminal.'),
  success: () => page('Signed in', 'oauthcli received the authorization. You may close this tab and return to the terminal.'),
  denied: (error: string, description: string | undefined) =>
    page('Sign-in not completed', 'The provider did not authorize oauthcli. You may close this tab; the terminal says what to do next.', description ? `${error}: ${description}` : error),
  badState: () => page('Unexpected sign-in response', 'This response does not belong to the sign-in oauthcli is waiting for, so it was ignored.'),
  badIssuer: () => page('Unexpected sign-in response', 'This response came from another authorization server than the one oauthcli asked, so it was ignored.'),
  alreadyDone: () => page('Sign-in already finished', 'oauthcli has already received an answer for this sign-in. You may close this tab.'),
  notFound: () => page('Not found', 'Nothing here. You may close this tab.'),
};
