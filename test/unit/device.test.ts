import nock from 'nock';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createHttpClient } from '../../src/http/client.js';
import { pollDelayMs, pollForDeviceToken, requestDeviceAuthorization, type DeviceAuthorization } from '../../src/oauth/device.js';
import { DEVICE_CODE_GRANT } from '../../src/oauth/device-grant.js';
import { OAuthError } from '../../src/oauth/errors.js';
import { github } from '../../src/providers/github.js';

const ORIGIN = 'https://gh.example';
const http = createHttpClient({ maxTries: 1 });

function fakeClock() {
  let t = 1_000_000;
  const waits: number[] = [];
  return {
    now: () => t,
    waits,
    sleep: async (ms: number) => {
      waits.push(ms);
      t += ms;
    },
  };
}

const auth = (over: Partial<DeviceAuthorization> = {}): DeviceAuthorization => ({
  deviceCode: 'dc',
  userCode: 'ABCD-EFGH',
  verificationUri: `${ORIGIN}/login/device`,
  expiresIn: 900,
  interval: 5,
  ...over,
});

beforeAll(() => nock.disableNetConnect());
afterEach(() => nock.cleanAll());

describe('device authorization request', () => {
  it('asks for JSON and sends space-delimited scopes (RFC 6749 §3.3; GitHub documents the same)', async () => {
    nock(ORIGIN, { reqheaders: { accept: 'application/json' } })
      .post('/login/device/code', { client_id: 'cid', scope: 'read:user repo' })
      .reply(200, { device_code: 'dc', user_code: 'WDJB-MJHT', verification_uri: `${ORIGIN}/login/device`, expires_in: 899, interval: 5 });
    const got = await requestDeviceAuthorization(http, { endpoint: `${ORIGIN}/login/device/code`, client: { clientId: 'cid', method: 'client_secret_post' }, sendSecret: false, scopes: ['read:user', 'repo'] });
    expect(got).toMatchObject({ deviceCode: 'dc', userCode: 'WDJB-MJHT', expiresIn: 899, interval: 5 });
  });

  it('reads a form-encoded answer (GitHub without Accept) and an error sent with HTTP 200', async () => {
    nock(ORIGIN).post('/login/device/code').reply(200, 'error=device_flow_disabled&error_description=Device+Flow+must+be+explicitly+enabled', {
      'content-type': 'application/x-www-form-urlencoded',
    });
    await expect(requestDeviceAuthorization(http, { endpoint: `${ORIGIN}/login/device/code`, client: { clientId: 'cid', method: 'client_secret_post' }, sendSecret: false, scopes: [] })).rejects.toMatchObject({
      code: 'device_flow_disabled',
    });
  });

  it('turns an HTML error page into one clear failure', async () => {
    nock(ORIGIN).post('/login/device/code').reply(502, '<html><body>Bad gateway</body></html>', { 'content-type': 'text/html' });
    await expect(requestDeviceAuthorization(http, { endpoint: `${ORIGIN}/login/device/code`, client: { clientId: 'cid', method: 'client_secret_post' }, sendSecret: false, scopes: [] })).rejects.toThrow(
      /answered \/login\/device\/code with an HTML page instead of JSON \(HTTP 502\)/,
    );
  });
});

describe('what a server may ask of us', () => {
  it('clamps interval and expires_in (0.001 s would mean a thousand polls a second; 3e6 s overflows a timer)', async () => {
    nock(ORIGIN).post('/login/device/code').reply(200, { device_code: 'dc', user_code: 'U', verification_uri: `${ORIGIN}/login/device`, expires_in: 3e6, interval: 0.001 });
    const got = await requestDeviceAuthorization(http, { endpoint: `${ORIGIN}/login/device/code`, client: { clientId: 'cid', method: 'client_secret_post' }, sendSecret: false, scopes: [] });
    expect(got).toMatchObject({ interval: 1, expiresIn: 3600 });
  });

  it.each(['javascript:alert(1)', 'file:///etc/passwd', 'http://evil.example/device', 'data:text/html,x'])('refuses a verification_uri of %s: never opened or shown', async (uri) => {
    nock(ORIGIN).post('/login/device/code').reply(200, { device_code: 'dc', user_code: 'U', verification_uri: uri });
    await expect(requestDeviceAuthorization(http, { endpoint: `${ORIGIN}/login/device/code`, client: { clientId: 'cid', method: 'client_secret_post' }, sendSecret: false, scopes: [] })).rejects.toMatchObject({ code: 'unsafe_url' });
  });

  it('drops a verification_uri_complete that is not https', async () => {
    nock(ORIGIN).post('/login/device/code').reply(200, { device_code: 'dc', user_code: 'U', verification_uri: `${ORIGIN}/device`, verification_uri_complete: 'javascript:alert(1)' });
    const got = await requestDeviceAuthorization(http, { endpoint: `${ORIGIN}/login/device/code`, client: { clientId: 'cid', method: 'client_secret_post' }, sendSecret: false, scopes: [] });
    expect(got.verificationUriComplete).toBeUndefined();
  });

  it.each([
    [404, '<html>Not Found</html>'],
    [204, ''],
  ])('a %i (no device flow here: GitLab before 17.2, or with the flag off) is reported by its status, whatever comes with it', async (status, body) => {
    nock(ORIGIN).post('/login/device/code').reply(status, body, { 'content-type': 'text/html' });
    await expect(requestDeviceAuthorization(http, { endpoint: `${ORIGIN}/login/device/code`, client: { clientId: 'cid', method: 'client_secret_post' }, sendSecret: false, scopes: [] })).rejects.toMatchObject({ code: 'no_device_flow' });
  });
});

describe('device token polling', () => {
  const poll = (clock: ReturnType<typeof fakeClock>, a = auth()) =>
    pollForDeviceToken(http, { tokenEndpoint: `${ORIGIN}/login/oauth/access_token`, client: { clientId: 'cid', method: 'client_secret_post' }, sendSecret: false, authorization: a, sleep: clock.sleep, now: clock.now });

  it('waits before every poll, with a 20 % margin, and returns the token', async () => {
    nock(ORIGIN)
      .post('/login/oauth/access_token', (b) => b.grant_type === DEVICE_CODE_GRANT && b.device_code === 'dc')
      .times(2)
      .reply(200, { error: 'authorization_pending' })
      .post('/login/oauth/access_token')
      .reply(200, { access_token: 'gho_x', token_type: 'bearer', scope: 'repo' });
    const clock = fakeClock();
    const res = await poll(clock);
    expect(res.access_token).toBe('gho_x');
    expect(clock.waits).toEqual([6000, 6000, 6000]);
  });

  it('on slow_down uses the interval the server sends, with a 40 % margin from then on', async () => {
    nock(ORIGIN)
      .post('/login/oauth/access_token')
      .reply(200, { error: 'slow_down', interval: 10 })
      .post('/login/oauth/access_token')
      .reply(200, { error: 'authorization_pending' })
      .post('/login/oauth/access_token')
      .reply(200, { access_token: 'gho_x' });
    const clock = fakeClock();
    await poll(clock);
    expect(clock.waits).toEqual([6000, 14000, 14000]);
  });

  it('adds 5 seconds on slow_down when the server sends no interval (RFC 8628 §3.5)', async () => {
    nock(ORIGIN).post('/login/oauth/access_token').reply(400, { error: 'slow_down' }).post('/login/oauth/access_token').reply(200, { access_token: 'x' });
    const clock = fakeClock();
    await poll(clock);
    expect(clock.waits).toEqual([pollDelayMs(5, false), pollDelayMs(10, true)]);
  });

  it.each([
    ['access_denied', /denied/],
    ['expired_token', /expired/],
    ['token_expired', /expired/],
    ['unsupported_grant_type', /does not support/],
  ])('stops on %s with a clear message', async (code, message) => {
    nock(ORIGIN).post('/login/oauth/access_token').reply(200, { error: code, error_description: 'x' });
    await expect(poll(fakeClock())).rejects.toMatchObject({ kind: 'failure', code, message: expect.stringMatching(message) });
  });

  // GitHub's own codes (no RFC has them) are GitHub's provider's to explain, not the protocol's.
  it.each([
    ['incorrect_client_credentials', /client id/],
    ['incorrect_device_code', /device code/],
    ['device_flow_disabled', /not enabled/],
  ])("stops on GitHub's %s, which GitHub's provider explains", async (code, message) => {
    nock(ORIGIN).post('/login/oauth/access_token').reply(200, { error: code, error_description: 'x' });
    const error = await poll(fakeClock()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OAuthError);
    expect(github.explainOAuthError!(error as OAuthError, { host: 'github.com', clientId: 'cid' })).toMatchObject({ kind: 'failure', code, message: expect.stringMatching(message) });
  });

  it('gives up when expires_in has passed, without polling past it', async () => {
    const scope = nock(ORIGIN).post('/login/oauth/access_token').times(3).reply(200, { error: 'authorization_pending' });
    const clock = fakeClock();
    await expect(poll(clock, auth({ expiresIn: 20, interval: 5 }))).rejects.toMatchObject({ code: 'expired_token' });
    expect(clock.waits).toEqual([6000, 6000, 6000]);
    expect(scope.isDone()).toBe(true);
  });
});
