import { describe, expect, it } from 'vitest';
import { clientAuth, clientAuthFields, formUrlEncode, pickSecretMethod } from '../../src/oauth/client-auth.js';

describe('client authentication (RFC 6749 §2.3)', () => {
  it('a public client sends only its id', () => {
    expect(clientAuthFields(clientAuth('cid', undefined), true)).toEqual({ params: { client_id: 'cid' }, headers: {} });
  });

  it('client_secret_post puts the secret in the body', () => {
    expect(clientAuthFields(clientAuth('cid', 's3', 'client_secret_post'), true)).toEqual({ params: { client_id: 'cid', client_secret: 's3' }, headers: {} });
  });

  it('client_secret_basic sends form-urlencoded id and secret as Basic (§2.3.1: + for a space), and never the secret in the body', () => {
    const { params, headers } = clientAuthFields(clientAuth('a b', 'p:w/%', 'client_secret_basic'), true);
    expect(params).toEqual({ client_id: 'a b' });
    expect(Buffer.from(headers.authorization!.replace('Basic ', ''), 'base64').toString()).toBe('a+b:p%3Aw%2F%25');
  });

  it("form-urlencodes !'()*~ too, as oauth4webapi does (encodeURIComponent leaves them)", () => {
    expect(formUrlEncode("x!y'z(a)b*c~d e")).toBe('x%21y%27z%28a%29b%2Ac%7Ed+e');
    const { headers } = clientAuthFields(clientAuth('id~1', "s!'()*", 'client_secret_basic'), true);
    expect(Buffer.from(headers.authorization!.replace('Basic ', ''), 'base64').toString()).toBe('id%7E1:s%21%27%28%29%2A');
  });

  it('leaves the secret out where the request does not need it (GitHub device polls)', () => {
    expect(clientAuthFields(clientAuth('cid', 's3', 'client_secret_basic'), false)).toEqual({ params: { client_id: 'cid' }, headers: {} });
  });

  it('picks Basic unless the server supports only post; Basic when it says nothing (RFC 8414)', () => {
    expect(pickSecretMethod(undefined)).toBe('client_secret_basic');
    expect(pickSecretMethod(['client_secret_post'])).toBe('client_secret_post');
    expect(pickSecretMethod(['client_secret_post', 'client_secret_basic'])).toBe('client_secret_basic');
  });
});
