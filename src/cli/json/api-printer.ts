// What `oauthcli api` writes on stdout, page by page, as gh's processResponse does:
// - `-i`: the status line and the headers (sorted, Go's canonical names, CRLF) before each body;
// - the body as received when stdout is not a terminal; on a terminal, JSON laid out and
//   coloured (pretty.ts) and any other text with its control characters shown, not obeyed;
// - `--paginate`: the pages of a JSON array come out as ONE array (what gh does since 2.31;
//   gh 2.23 printed `[…][…]`, which is not JSON); pages that are not arrays (a search answer,
//   GraphQL) come out one after another, each on its own line, a stream jq reads;
// - `-q`: jq on each page (as gh), printed as jq -r prints;
// - `--silent`: no body;
// - an error page: its body as is (never through jq), after closing an array left open.
import { failure } from '../../errors.js';
import type { JsonItems } from '../../http/json-items.js';
import type { ReceivedBody } from '../../http/received-body.js';
import { filterJson } from './jq.js';
import { parseExact, prettyDelim, prettyJson } from './pretty.js';
import { colorLevel } from '../terminal/paint.js';
import { safeLines, safeText } from '../terminal/safe-text.js';
import { writeResult } from '../terminal/streams.js';
import type { World } from '../world.js';

export interface PrintOptions {
  include: boolean;
  silent: boolean;
  jq: string | undefined;
  paginate: boolean;
}

export interface PageToPrint {
  status: number;
  headers: Record<string, string>;
  body: ReceivedBody;
  /** A status or GraphQL error: printed as is, and the last page. */
  failed: boolean;
  /** GraphQL pages are objects, never merged. */
  graphql: boolean;
}

/** gh's test for a JSON answer: the content type ends in /json or +json. */
export function isJsonContentType(contentType: string | undefined): boolean {
  return /[/+]json(;|$)/i.test(contentType ?? '');
}

export class ApiPrinter {
  private readonly tty: boolean;
  private readonly color: boolean;
  private pages = 0;
  /** A merged array is open on stdout; `items` of it written so far. */
  private arrayOpen = false;
  private items = 0;
  /** The last byte written ended a line (documents after it need no separator). */
  private atLineStart = true;

  constructor(
    private readonly world: World,
    private readonly opts: PrintOptions,
  ) {
    this.tty = Boolean(world.stdout.isTTY);
    this.color = this.tty && colorLevel(world.env, world.stdout) > 0;
  }

  async page(page: PageToPrint): Promise<void> {
    const first = this.pages === 0;
    this.pages += 1;
    if (this.opts.include) {
      // gh separates the pages' header blocks with an empty line.
      if (!first) await this.write('\n');
      await this.write(await this.headerBlock(page));
    }
    if (this.opts.silent || page.body.byteLength === 0) return;
    if (page.failed) {
      await this.closeArray();
      return this.document(page.body, isJsonContentType(page.headers['content-type']));
    }
    if (this.opts.jq) {
      await this.closeArray();
      const text = page.body.text();
      if (!isJsonText(text)) throw failure(`--jq: the answer is not JSON (${page.headers['content-type'] ?? 'no content type'})`, { code: 'not_json' });
      await filterJson(this.world, text, this.opts.jq);
      this.atLineStart = true;
      return;
    }
    const json = isJsonContentType(page.headers['content-type']);
    const mergeable = this.opts.paginate && !this.opts.include && !page.graphql && json;
    if (mergeable && (await this.arrayPage(page.body))) return;
    await this.closeArray();
    await this.document(page.body, json);
  }

  /** Ends the output: closes a merged array. */
  async finish(): Promise<void> {
    await this.closeArray();
  }

  /** One page of a JSON array, added to the merged array; false (nothing written) when the body is not an array. */
  private async arrayPage(body: ReceivedBody): Promise<boolean> {
    if (this.tty) {
      const parsed = parseExact(body.text());
      if (!parsed || !Array.isArray(parsed.value)) return false;
      await this.openArray();
      for (const item of parsed.value) {
        const sep = this.items === 0 ? '\n  ' : `${prettyDelim(',', this.color)}\n  `;
        await this.write(sep + prettyJson(item, this.color, 1));
        this.items += 1;
      }
      return true;
    }
    let items: JsonItems;
    try {
      items = body.jsonItems();
    } catch {
      return false;
    }
    await this.openArray();
    if (items.length > 0) {
      // The items with the provider's own separators between them: bytes as received.
      if (this.items > 0) await this.write(',');
      for (const piece of items.pieces()) await this.write(piece);
      this.items += items.length;
    }
    return true;
  }

  private async openArray(): Promise<void> {
    if (this.arrayOpen) return;
    await this.separate();
    await this.write(this.tty ? prettyDelim('[', this.color) : '[');
    this.arrayOpen = true;
    this.items = 0;
  }

  private async closeArray(): Promise<void> {
    if (!this.arrayOpen) return;
    this.arrayOpen = false;
    if (this.tty) await this.write(`${this.items > 0 ? '\n' : ''}${prettyDelim(']', this.color)}\n`);
    else await this.write(']');
  }

  /** A whole body: as received in a pipe; laid out (JSON) or made harmless (text) on a terminal. */
  private async document(body: ReceivedBody, json: boolean): Promise<void> {
    await this.separate();
    if (!this.tty) {
      for (const piece of body.pieces()) await this.write(piece);
      return;
    }
    const text = body.text();
    const parsed = json ? parseExact(text) : undefined;
    if (parsed) return this.write(`${prettyJson(parsed.value, this.color)}\n`);
    return this.write(safeLines(text));
  }

  /** Documents after the first start on a line of their own. */
  private async separate(): Promise<void> {
    if (this.pages > 1 && !this.atLineStart && !this.opts.include) await this.write('\n');
  }

  private async headerBlock(page: PageToPrint): Promise<string> {
    const { STATUS_CODES } = await import('node:http');
    // gh: fmt.Fprintln for the status line (LF), CRLF after each header and after the block.
    const status = `HTTP/1.1 ${page.status} ${STATUS_CODES[page.status] ?? ''}`.trimEnd();
    const lines: string[] = [];
    const names = Object.keys(page.headers)
      .map((name) => [canonicalHeaderName(name), page.headers[name]!] as const)
      .filter(([name]) => name !== 'Status')
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    for (const [name, value] of names) {
      const shownName = this.color ? `\u001b[1;34m${name}\u001b[m` : name;
      lines.push(`${shownName}: ${this.tty ? safeText(value) : value}`);
    }
    return `${status}\n${lines.map((l) => `${l}\r\n`).join('')}\r\n`;
  }

  private async write(chunk: string | Uint8Array): Promise<void> {
    if (chunk.length === 0) return;
    this.atLineStart = typeof chunk === 'string' ? chunk.endsWith('\n') : chunk[chunk.length - 1] === 0x0a;
    if (typeof chunk === 'string') return writeResult(this.world, chunk);
    // A view of a page's body, which is freed once the page is printed: done once handed to the
    // OS (its write callback), not merely queued. (On an error, EPIPE, program.ts ends the process.)
    await new Promise<void>((resolve) => this.world.stdout.write(chunk, () => resolve()));
  }
}

function isJsonText(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/** Go's textproto.CanonicalMIMEHeaderKey: `x-github-request-id` → `X-Github-Request-Id`. */
export function canonicalHeaderName(name: string): string {
  if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name)) return name;
  return name.toLowerCase().replace(/(^|-)([a-z])/g, (_m, dash: string, c: string) => dash + c.toUpperCase());
}
