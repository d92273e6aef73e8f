// OpenID Connect discovery: the document must name exactly the issuer it was fetched for
// (§4.3: the mix-up defence), issuers ending in "/" work, endpoints are https, size is bounded.
import nock from 'nock';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createHttpClient } from '../../src/http/client.js';
import { discoverIssuer, discoveryUrl } from '../../src/oauth/discovery.js';
import { checkIssuerUrl } from '../../src/providers/oidc.js';

const http = createHttpClient({ sleep: async () => undefined });
beforeAll(() => nock.disableNetConnect());
afterEach(() => nock.cleanAll());

const doc = (issuer: string, extra: Record<string, unknown> = {}) => ({
  issuer,
  authorization_endpoint: `${issuer.replace(/\/$/, '')}/authorize`,
  token_endpoint: `${issuer.replace(/\/$/, '')}/oauth/token`,
  ...extra,
});

describe('discovery', () => {
  it('builds the URL as §4 says: a terminating "/" removed, then /.well-known/openid-configuration', () => {
    expect(discoveryUrl('https://tenant.auth0.com/')).toBe('https://tenant.auth0.com/.well-known/openid-configuration');
    expect(discoveryUrl('https://login.example/realms/corp')).toBe('https://login.example/realms/corp/.well-known/openid-configuration');
  });

  it('an issuer ending in "/" (Auth0) is kept as given and matches its document exactly', async () => {
    nock('https://tenant.auth0.com').get('/.well-known/openid-configuration').reply(200, doc('https://tenant.auth0.com/'));
    expect(checkIssuerUrl('https://tenant.auth0.com/')).toBe('https://tenant.auth0.com/');
    await expect(discoverIssuer(http, 'https://tenant.auth0.com/')).resolves.toMatchObject({ issuer: 'https://tenant.auth0.com/' });
  });

  it.each([
    ['https://login.example', 'https://login.example/'],
    ['https://login.example/', 'https://login.example'],
    ['https://login.example', 'https://evil.example'],
    ['https://login.example', 'https://LOGIN.example'],
  ])('asked for %s, a document naming %s is refused (compared exactly)', async (asked, named) => {
    nock('https://login.example').get('/.well-known/openid-configuration').reply(200, doc(named));
    await expect(discoverIssuer(http, asked)).rejects.toMatchObject({ code: 'discovery_failed', message: expect.stringContaining(`names another issuer (${named})`) });
  });

  it.each(['authorization_endpoint', 'token_endpoint', 'device_authorization_endpoint', 'revocation_endpoint', 'userinfo_endpoint', 'jwks_uri'])('refuses a document whose %s is not https', async (field) => {
    nock('https://login.example').get('/.well-known/openid-configuration').reply(200, doc('https://login.example', { [field]: field === 'authorization_endpoint' ? 'javascript:alert(1)' : 'http://login.example/x' }));
    await expect(discoverIssuer(http, 'https://login.example')).rejects.toMatchObject({ code: 'discovery_failed', message: expect.stringContaining(field) });
  });

  it('does not read a document of hundreds of megabytes', async () => {
    nock('https://login.example').get('/.well-known/openid-configuration').reply(200, 'x'.repeat(2 * 1024 * 1024), { 'content-type': 'application/json' });
    await expect(discoverIssuer(http, 'https://login.example')).rejects.toMatchObject({ code: 'response_too_large' });
  });
});
