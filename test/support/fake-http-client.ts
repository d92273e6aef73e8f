// An HttpClient answered by a function, for in-process tests of sessions and commands: no
// sockets, every request recorded, and an answer may wait for the test to release it.
//
// Like gh's httpmock (`reg.Verify(t)`), a client fails the test it was made in when its answer
// (the stub) was never used: a stub nobody asks for means the test does not exercise what it
// sets up. A test where no request may be made says so with `noRequestsHttpClient()`, which
// fails the test on any request, even one the code under test swallowed. The check runs when the
// test finishes (vitest's onTestFinished); a client made outside a test calls `verify()` itself.
import { onTestFinished } from 'vitest';
import type { HttpClient, HttpRequest, HttpResponse } from '../../src/http/client.js';

export interface FakeAnswer {
  status?: number;
  headers?: Record<string, string>;
  body?: unknown;
}

export interface FakeHttpClient extends HttpClient {
  readonly requests: Array<HttpRequest & { url: URL; form?: Record<string, string | undefined> }>;
  /** Throws when the client's stub was never used (or, for noRequestsHttpClient, when it was). */
  verify(): void;
}

type Answer = (req: HttpRequest & { url: URL }) => FakeAnswer | Promise<FakeAnswer>;

/** A client whose every request `answer` answers; the test fails if none was made. */
export function fakeHttpClient(answer: Answer): FakeHttpClient {
  return makeClient(answer, 'used');
}

/** A client for a test in which no request may be made: any request fails the test. */
export function noRequestsHttpClient(): FakeHttpClient {
  return makeClient(() => {
    throw new Error('this test expects no HTTP request');
  }, 'unused');
}

function makeClient(answer: Answer, expectation: 'used' | 'unused'): FakeHttpClient {
  const requests: FakeHttpClient['requests'] = [];
  const verify = () => {
    if (expectation === 'used' && requests.length === 0) throw new Error('fakeHttpClient: its stub was never used (no request was made)');
    if (expectation === 'unused' && requests.length > 0) {
      throw new Error(`noRequestsHttpClient: ${requests.length} request(s) made, first ${requests[0]!.method ?? 'GET'} ${requests[0]!.url.href}`);
    }
  };
  try {
    onTestFinished(({ task }) => {
      // A failing test already says what went wrong; the stub's use would only add noise.
      if (task.result?.state !== 'fail') verify();
    });
  } catch {
    // Made outside a test (module scope, beforeAll): the test file calls verify() itself.
  }
  return {
    requests,
    verify,
    async request(req) {
      const url = new URL(req.url);
      const recorded = { ...req, url };
      requests.push(recorded);
      const a = await answer(recorded);
      const text = typeof a.body === 'string' ? a.body : a.body === undefined ? '' : JSON.stringify(a.body);
      const headers = { 'content-type': typeof a.body === 'string' ? 'text/plain' : 'application/json', ...a.headers };
      const res: HttpResponse = {
        status: a.status ?? 200,
        url,
        headers,
        text: async () => text,
        bytes: async () => Buffer.from(text),
        chunks: async () => [Buffer.from(text)],
        json: async <T>() => JSON.parse(text) as T,
        dump: async () => undefined,
        release: () => undefined,
      };
      return res;
    },
  };
}
