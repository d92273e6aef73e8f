// A response body as it arrived: in the chunks it came in (a listing's page is never joined into
// one copy), freed at once by release() when the caller is done with it (the decoded page's
// memory is what the next page decodes into). Callers see bytes, text and a JSON array's items;
// how the chunks are held and freed stays in src/http/.
import { JsonItems } from './json-items.js';
import { sliceChunks } from './json-spans.js';

export class ReceivedBody {
  private items: JsonItems | undefined;

  constructor(
    private readonly chunks: readonly Buffer[],
    private readonly free: () => void = () => undefined,
  ) {}

  /** A body already in one buffer. */
  static of(bytes: Buffer): ReceivedBody {
    return new ReceivedBody(bytes.length ? [bytes] : []);
  }

  get byteLength(): number {
    return this.chunks.reduce((n, chunk) => n + chunk.length, 0);
  }

  /** The body's bytes in order, as views (write them one after another). */
  pieces(): readonly Buffer[] {
    return this.chunks;
  }

  text(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }

  /** The first `bytes` bytes as Latin-1, to tell what a body is (an HTML page…) without decoding it all. */
  start(bytes: number): string {
    return Buffer.concat(sliceChunks(this.chunks, 0, bytes)).toString('latin1');
  }

  /** The items of a body that is one JSON array; throws a malformed_response failure otherwise. Scanned once. */
  jsonItems(): JsonItems {
    this.items ??= JsonItems.scan(this.chunks, this.free);
    return this.items;
  }

  /** Frees the body's memory now (every piece, and every item view of it, is empty afterwards). */
  release(): void {
    this.free();
  }
}
