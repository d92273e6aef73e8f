// An HttpClient answered by a function, for in-process tests of sessions and commands: no
// sockets, every request recorded, and an answer may wait for the test to release it.
import type { HttpClient, HttpRequest, HttpResponse } from '../../src/http/client.js';

export interface FakeAnswer {
  status?: number;
  headers?: Record<string, string>;
  body?: unknown;
}

export interface FakeHttpClient extends HttpClient {
  readonly requests: Array<HttpRequest & { url: URL; form?: Record<string, string | undefined> }>;
}

export function fakeHttpClient(answer: (req: HttpRequest & { url: URL }) => FakeAnswer | Promise<FakeAnswer>): FakeHttpClient {
  const requests: FakeHttpClient['requests'] = [];
  return {
    requests,
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
