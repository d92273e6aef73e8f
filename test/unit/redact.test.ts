import { describe, expect, it } from 'vitest';
import { redactHeaderValue, redactText } from '../../src/http/redact.js';

describe('redaction for --debug traces', () => {
  it('hides token fields in JSON, form bodies and query strings', () => {
    const json = redactText('{"access_token":"gho_abc","refresh_token":"ghr_def","scope":"repo"}');
    expect(json).not.toMatch(/gho_abc|ghr_def/);
    expect(json).toContain('"scope":"repo"');
    const form = redactText('client_id=cid&client_secret=s3cret&code=abc123&code_verifier=vvv&grant_type=authorization_code');
    expect(form).toBe('client_id=cid&client_secret=[REDACTED]&code=[REDACTED]&code_verifier=[REDACTED]&grant_type=authorization_code');
    expect(redactText('http://127.0.0.1:1/callback?code=abc&state=xyz')).toBe('http://127.0.0.1:1/callback?code=[REDACTED]&state=xyz');
  });

  it('hides remembered secrets wherever they appear', () => {
    expect(redactText('Bearer tok_1234 in a message', ['tok_1234'])).toBe('Bearer [REDACTED] in a message');
  });

  it('hides credentials in headers but keeps the scheme', () => {
    expect(redactHeaderValue('Authorization', 'Bearer gho_abc')).toBe('Bearer [REDACTED]');
    expect(redactHeaderValue('accept', 'application/json')).toBe('application/json');
  });
});
