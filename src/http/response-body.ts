// Reading an answer's body within its size limit, and reading it as JSON: a body past the limit
// (declared or counted) is not read, and a body that is not JSON becomes one clear failure.
import type { Readable } from 'node:stream';
import type { Dispatcher } from 'undici';
import { failure, type AppError } from '../errors.js';
import { describeBody } from './body-kind.js';

export function tooLargeFailure(url: URL, max: number): AppError {
  return failure(`${url.host} sent an answer larger than ${formatBytes(max)} for ${url.pathname}; not reading it`, { code: 'response_too_large' });
}

/**
 * Reads a body as the chunks it arrives in, stopping at `max` bytes ('data' events rather than
 * async iteration: a listing's pages arrive in a thousand chunks or more).
 */
export function readChunks(body: Dispatcher.ResponseData['body'], max: number, url: URL, declared: number): Promise<Buffer[]> {
  if (Number.isFinite(declared) && declared > max) {
    body.destroy();
    return Promise.reject(tooLargeFailure(url, max));
  }
  return collectChunks(body, max, url);
}

/** A stream's chunks until it ends; destroyed, and a failure, past `max` bytes. */
function collectChunks(stream: Readable, max: number, url: URL): Promise<Buffer[]> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    stream.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > max) {
        stream.destroy();
        reject(tooLargeFailure(url, max));
        return;
      }
      chunks.push(chunk);
    });
    stream.once('error', reject);
    stream.once('end', () => resolve(chunks));
  });
}

export function parseJson<T>(raw: string, url: URL, status: number, contentType: string | undefined): T {
  try {
    return JSON.parse(raw) as T;
  } catch {
    throw failure(`${url.host} answered ${url.pathname} with ${describeBody(raw, contentType)} instead of JSON (HTTP ${status})`, { code: 'malformed_response' });
  }
}

function formatBytes(n: number): string {
  return n >= 1024 * 1024 ? `${Math.round(n / (1024 * 1024))} MiB` : `${Math.round(n / 1024)} KiB`;
}
