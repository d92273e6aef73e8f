// The in-process fake HTTP client checks its stubs like gh's httpmock Verify: a stub never used,
// or a request where none may be made, fails the test.
import { beforeAll, describe, expect, it } from 'vitest';
import { fakeHttpClient, noRequestsHttpClient, type FakeHttpClient } from '../support/fake-http-client.js';

// Made outside a test: these are checked only by the explicit verify() calls below.
let unused: FakeHttpClient;
let forbidden: FakeHttpClient;
beforeAll(() => {
  unused = fakeHttpClient(() => ({ body: { ok: true } }));
  forbidden = noRequestsHttpClient();
});

describe('verify()', () => {
  it('fails while the stub has not been used, and passes once it has', async () => {
    expect(() => unused.verify()).toThrow(/stub was never used/);
    const res = await unused.request({ url: 'http://127.0.0.1:1/user' });
    expect(await res.json()).toEqual({ ok: true });
    expect(() => unused.verify()).not.toThrow();
  });

  it('a client for a test without requests: a request fails, even when the code swallows it, and verify() says so', async () => {
    expect(() => forbidden.verify()).not.toThrow();
    await expect(forbidden.request({ url: 'http://127.0.0.1:1/user' })).rejects.toThrow(/expects no HTTP request/);
    expect(() => forbidden.verify()).toThrow(/1 request\(s\) made, first GET http:\/\/127\.0\.0\.1:1\/user/);
  });

  it('a client made in a test is verified when the test finishes', async () => {
    // Used, so the check at the end passes; an unused one would fail this test (seen in the suite).
    const http = fakeHttpClient(() => ({ status: 204 }));
    expect((await http.request({ url: 'http://127.0.0.1:1/x', method: 'DELETE' })).status).toBe(204);
  });
});
