// One rule for every URL oauthcli sends to, opens or keeps: https, or plain http to a loopback
// host. The issuer and API-base settings, the browser's URL check and the HTTP client all apply
// it, each with its own message.
import { describe, expect, it } from 'vitest';
import { AppError } from '../../src/errors.js';
import { createHttpClient } from '../../src/http/client.js';
import { hasSecureScheme, isSafeWebUrl } from '../../src/http/insecure-hosts.js';
import { checkIssuerUrl } from '../../src/providers/oidc.js';
import { checkApiBase } from '../../src/providers/oidc-settings.js';

const SECURE = ['https://idp.example', 'https://idp.example:8443/realms/x', 'http://127.0.0.1:8080', 'http://localhost:9000/x', 'http://[::1]:7000', 'http://127.1.2.3'];
const INSECURE = ['http://idp.example', 'http://10.0.0.1', 'http://localhost.example', 'ftp://idp.example', 'javascript:alert(1)', 'file:///etc/passwd'];

function usageCode(check: (text: string) => unknown, text: string): string | undefined {
  try {
    check(text);
    return undefined;
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).kind).toBe('usage');
    return (error as AppError).code;
  }
}

describe('hasSecureScheme', () => {
  it.each(SECURE)('accepts %s', (url) => expect(hasSecureScheme(new URL(url))).toBe(true));
  it.each(INSECURE)('refuses %s', (url) => expect(hasSecureScheme(new URL(url))).toBe(false));

  it('is the rule of the issuer and API-base settings and of URLs to open, each keeping its own message', () => {
    for (const url of SECURE) {
      expect(usageCode(checkIssuerUrl, url)).toBeUndefined();
      expect(usageCode(checkApiBase, url)).toBeUndefined();
      expect(isSafeWebUrl(url)).toBe(true);
    }
    for (const url of INSECURE) {
      expect(usageCode(checkIssuerUrl, url)).toBe('bad_issuer');
      expect(usageCode(checkApiBase, url)).toBe('bad_api_base');
      expect(isSafeWebUrl(url)).toBe(false);
    }
    expect(() => checkIssuerUrl('http://idp.example')).toThrow('the issuer must use https (plain http is allowed only on loopback addresses): http://idp.example');
    expect(() => checkApiBase('http://idp.example')).toThrow('the API base must use https (plain http is allowed only on loopback addresses): http://idp.example');
  });

  it('is the HTTP client\'s rule too: nothing is sent over plain http across a network, nor by another scheme', async () => {
    const http = createHttpClient({ dispatcher: { request: () => Promise.reject(new Error('nothing may be sent')) } as never });
    await expect(http.request({ url: 'http://idp.example/token' })).rejects.toMatchObject({
      code: 'insecure_url',
      message: 'refusing to send a request to http://idp.example over plain http: only loopback hosts may use http',
    });
    await expect(http.request({ url: 'ftp://idp.example/x' })).rejects.toMatchObject({ code: 'insecure_url', message: 'unsupported URL scheme in ftp://idp.example' });
  });
});
