// Compressed answers (RFC 9110 §12.5.3, §8.4): the codings asked for, and a body's coding undone
// within the size limit, which counts decoded bytes, so a small "zip bomb" stops there.
import { brotliDecompressSync, gunzipSync, inflateSync, type ZlibOptions } from 'node:zlib';
import { tooLargeFailure } from './response-body.js';

/** The codings asked for: every Node since 12 decodes them (zstd would need 22.15). */
export const ACCEPT_ENCODING = 'gzip, deflate, br';

// A compressed body is decoded in one synchronous call once it is all in: a page of GitHub's
// (~21 KB gzipped, ~650 KB of JSON) takes a fraction of a millisecond, while zlib's streams
// (libuv's thread pool) cost more in hand-offs than in decoding: a write, a callback and an
// output buffer per piece. The output goes into a buffer of this size (a larger body is then
// joined into one): freed by HttpResponse.release() once the page is written, it is the memory the next
// page decodes into, as glibc raises its mmap threshold to a block's size once one is freed, so
// no fresh memory is touched and no page faults are taken.
const DECODED_CHUNK_BYTES = 1024 * 1024;

export type Decoder = (body: Buffer, options: ZlibOptions) => Buffer;

const DECODERS: Record<string, Decoder> = {
  gzip: gunzipSync,
  'x-gzip': gunzipSync,
  deflate: inflateSync,
  br: brotliDecompressSync,
};

/** The decoder for a `content-encoding` header; undefined for identity or a coding we did not ask for. */
export function decoderFor(contentEncoding: string | undefined): Decoder | undefined {
  return DECODERS[contentEncoding?.trim().toLowerCase() ?? ''];
}

/** A compressed body → its decoded bytes, at most `max` of them (zlib stops there: a small "zip bomb" goes no further). */
export function decode(decoder: Decoder, list: readonly Buffer[], max: number, url: URL): Buffer[] {
  try {
    return [decoder(list.length === 1 ? list[0]! : Buffer.concat(list), { chunkSize: DECODED_CHUNK_BYTES, maxOutputLength: max })];
  } catch (error) {
    if ((error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') throw tooLargeFailure(url, max);
    throw error;
  }
}

/**
 * Detaches the buffer a decoded body is in, which frees its memory at once: zlib's own output
 * buffer, or the one a larger body was joined into; never Node's shared pool for small buffers
 * (Buffer.poolSize bytes, and nothing bigger is taken from it).
 */
export function releaseDecoded(chunks: readonly Buffer[]): void {
  for (const chunk of chunks) {
    const store = chunk.buffer;
    if (store instanceof ArrayBuffer && !store.detached && store.byteLength > Buffer.poolSize) store.transfer(0);
  }
}
