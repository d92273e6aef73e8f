// A page that posts a form to another site as soon as it loads: how a local program hands a
// browser a POST (an app manifest, say) that a link cannot carry. Served by the loopback listener;
// its CSP allows exactly its own script (by hash) and a form sent to that one origin.
import { createHash } from 'node:crypto';
import { escapeHtml, PAGE_HEADERS } from './pages.js';

export interface FormPost {
  /** Where the form goes (https, or http on a loopback host). */
  action: string;
  fields: Record<string, string>;
  /** What the page says while it sends the form (and on its button, when scripts are off). */
  title: string;
  message: string;
  button: string;
}

const SUBMIT_SCRIPT = "document.getElementById('form').submit();";

export function formPostPage(post: FormPost): { body: string; headers: Record<string, string> } {
  const inputs = Object.entries(post.fields)
    .map(([name, value]) => `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`)
    .join('');
  const body = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(post.title)} · oauthcli</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem;color:#1f2328}h1{font-size:1.4rem}</style>
</head><body><h1 id="title">${escapeHtml(post.title)}</h1><p id="message">${escapeHtml(post.message)}</p>
<form id="form" method="post" action="${escapeHtml(post.action)}">${inputs}<button id="continue" type="submit">${escapeHtml(post.button)}</button></form>
<script>${SUBMIT_SCRIPT}</script></body></html>\n`;
  const hash = createHash('sha256').update(SUBMIT_SCRIPT).digest('base64');
  const csp = `default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-${hash}'; form-action ${new URL(post.action).origin}`;
  return { body, headers: { ...PAGE_HEADERS, 'content-security-policy': csp } };
}
