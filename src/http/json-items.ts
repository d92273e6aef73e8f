// The items of a JSON array as a server wrote them: found by the scan of json-spans.ts, never
// parsed or decoded, held as views of the body's chunks (nothing copied). What a caller does with
// a listing's page: count its items, cut it to a limit, write the items out, read them as text,
// and free the body once done. How they were found and where their bytes live stays here.
import { jsonArrayChunkSpans, sliceChunks, type Span } from './json-spans.js';

/** C0 and C1 controls, DEL, and the invisible characters a terminal or a reader may be fooled by. */
const CONTROLS = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u2069\ufeff]/;

export class JsonItems {
  private constructor(
    private readonly body: readonly Buffer[],
    private readonly spans: readonly Span[],
    /** A string in the items may hold a control or invisible character (the scan says so per body). */
    readonly mayHoldControls: boolean,
    private readonly free: () => void,
  ) {}

  /** The items of a JSON array body, in its chunks; throws a malformed_response failure when it is not one array. */
  static scan(body: readonly Buffer[], free: () => void = () => undefined): JsonItems {
    const spans = jsonArrayChunkSpans(body);
    return new JsonItems(body, spans, spans.controls === true, free);
  }

  /** Items given as JSON texts (one per item). */
  static of(texts: readonly string[]): JsonItems {
    const joined = texts.join(',');
    const spans: Span[] = [];
    let at = 0;
    for (const text of texts) {
      const length = Buffer.byteLength(text);
      spans.push([at, at + length]);
      at += length + 1;
    }
    return new JsonItems([Buffer.from(joined)], spans, CONTROLS.test(joined), () => undefined);
  }

  /** How many items. */
  get length(): number {
    return this.spans.length;
  }

  /** Items start..end (as Array.prototype.slice), of the same body. */
  slice(start: number, end: number): JsonItems {
    return new JsonItems(this.body, this.spans.slice(start, end), this.mayHoldControls, this.free);
  }

  /** The items with the server's own separators between them, without the brackets: views of the body, in order. */
  pieces(): Buffer[] {
    const first = this.spans[0];
    const last = this.spans.at(-1);
    return first && last ? sliceChunks(this.body, first[0], last[1]) : [];
  }

  /** `pieces()` as one string. */
  text(): string {
    return Buffer.concat(this.pieces()).toString('utf8');
  }

  /** Item `index`'s JSON text. */
  item(index: number): string {
    const span = this.spans[index];
    return span ? Buffer.concat(sliceChunks(this.body, span[0], span[1])).toString('utf8') : '';
  }

  /** Frees the body's memory now, for a caller done with the items (every piece is empty afterwards). */
  release(): void {
    this.free();
  }
}
