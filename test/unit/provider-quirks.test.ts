// Each provider quirk lives in its provider: src/oauth/ reads only what a provider hands it
// (refresh refusal codes, device-answer field names, a revocation answer that means "gone
// already"), so a provider without the quirk does not get its treatment.
import { afterEach, describe, expect, it } from 'vitest';
import type { ErrorCodeOf } from '../../src/errors.js';
import { clientAuth } from '../../src/oauth/client-auth.js';
import { requestDeviceAuthorization } from '../../src/oauth/device.js';
import { OAuthError } from '../../src/oauth/errors.js';
import { isRefreshRefusal } from '../../src/oauth/refresh.js';
import { revokeToken } from '../../src/oauth/revoke.js';
import { entra } from '../../src/providers/entra.js';
import { github } from '../../src/providers/github.js';
import { gitlab } from '../../src/providers/gitlab.js';
import { google } from '../../src/providers/google.js';
import { customProvider } from '../../src/providers/oidc.js';
import type { Endpoints, Provider } from '../../src/providers/types.js';
import { openSession } from '../../src/session/open-session.js';
import type { AccountMeta } from '../../src/store/accounts.js';
import { fakeHttpClient, type FakeHttpClient } from '../support/fake-http-client.js';
import { testWorld, type TestWorld } from '../support/test-world.js';

const worlds: TestWorld[] = [];
afterEach(() => {
  for (const w of worlds.splice(0)) w.cleanup();
});

const corp = customProvider('corp', { issuer: 'https://idp.example', clientId: 'cid' });
const inMinutes = (m: number) => new Date(Date.now() + m * 60_000).toISOString();

describe("GitHub's bad_refresh_token", () => {
  const refused = (code: ErrorCodeOf<'failure'>) => new OAuthError('failure', code, `refused (${code})`);

  it('is a refusal for GitHub only; RFC 6749 §5.2 invalid_grant is one for every provider', () => {
    expect(github.refreshRefusals).toEqual(['bad_refresh_token']);
    expect(isRefreshRefusal(refused('bad_refresh_token'), github.refreshRefusals)).toBe(true);
    for (const provider of [gitlab, google, entra, corp]) {
      expect(provider.refreshRefusals).toBeUndefined();
      expect(isRefreshRefusal(refused('bad_refresh_token'), provider.refreshRefusals)).toBe(false);
      expect(isRefreshRefusal(refused('invalid_grant'), provider.refreshRefusals)).toBe(true);
    }
    expect(isRefreshRefusal(refused('invalid_client'), github.refreshRefusals)).toBe(false);
    expect(isRefreshRefusal(new Error('bad_refresh_token'), github.refreshRefusals)).toBe(false);
  });

  async function refreshAnswered(provider: 'github' | 'gitlab', error: string): Promise<{ outcome: unknown; w: TestWorld; key: string }> {
    const host = `${provider}.example.com`;
    const key = `${provider}:${host}:octocat`;
    const http = fakeHttpClient(() => ({ status: provider === 'github' ? 200 : 400, body: { error, error_description: 'The refresh token passed is incorrect or expired.' } }));
    const w = testWorld({ env: { OAUTHCLI_GITHUB_CLIENT_ID: 'cid', OAUTHCLI_GITLAB_CLIENT_ID: 'cid' }, http });
    worlds.push(w);
    const meta: AccountMeta = { key, provider, host, login: 'octocat', id: '1', scopes: [], storage: 'keychain', signedInAt: '2026-12-01T00:00:00Z' };
    await w.world.secrets('keychain').set(key, { accessToken: 'at_old', refreshToken: 'rt_old', expiresAt: inMinutes(-1), tokenType: 'bearer', scopes: [] });
    await w.world.accounts.saveActive(meta);
    const outcome = await openSession(w.world, w.world.accounts.get(key)!).catch((e: unknown) => e);
    return { outcome, w, key };
  }

  it('GitHub: the account is marked and the user told to sign in again (exit 4)', async () => {
    const { outcome, w, key } = await refreshAnswered('github', 'bad_refresh_token');
    expect(outcome).toMatchObject({ kind: 'not-signed-in', code: 'needs_login' });
    expect(w.world.accounts.get(key)?.needsLogin).toBe(true);
  });

  it('another provider that sent it: the refusal is reported as sent, and the account is not marked', async () => {
    const { outcome, w, key } = await refreshAnswered('gitlab', 'bad_refresh_token');
    expect(outcome).toMatchObject({
      kind: 'failure',
      code: 'bad_refresh_token',
      message: 'gitlab.example.com refused the token request: The refresh token passed is incorrect or expired. (bad_refresh_token)',
    });
    expect(w.world.accounts.get(key)?.needsLogin).toBeFalsy();
    // invalid_grant, the RFC's code, is a refusal there.
    const standard = await refreshAnswered('gitlab', 'invalid_grant');
    expect(standard.outcome).toMatchObject({ kind: 'not-signed-in', code: 'needs_login' });
  });
});

describe("Google's verification_url", () => {
  const ORIGIN = 'https://accounts.example';
  const start = (provider: Provider, http: FakeHttpClient) =>
    requestDeviceAuthorization(http, {
      endpoint: `${ORIGIN}/device/code`,
      client: clientAuth('cid', undefined),
      sendSecret: false,
      scopes: ['openid'],
      ...(provider.deviceResponseAliases ? { responseAliases: provider.deviceResponseAliases } : {}),
    });
  const googleAnswer = () => fakeHttpClient(() => ({ body: { device_code: 'dc', user_code: 'ABCD-EFGH', verification_url: `${ORIGIN}/device`, expires_in: 1800, interval: 5 } }));

  it('is read as RFC 8628 verification_uri for Google, and for an added issuer (any server at all)', async () => {
    for (const provider of [google, corp]) {
      await expect(start(provider, googleAnswer())).resolves.toMatchObject({ verificationUri: `${ORIGIN}/device`, userCode: 'ABCD-EFGH' });
    }
  });

  it('is not an RFC field: GitHub, GitLab and Entra, which send verification_uri, do not read it', async () => {
    for (const provider of [github, gitlab, entra]) {
      expect(provider.deviceResponseAliases).toBeUndefined();
      await expect(start(provider, googleAnswer())).rejects.toMatchObject({
        code: 'malformed_response',
        message: 'accounts.example sent a device authorization response without its codes',
      });
    }
  });

  it('never replaces a verification_uri the server did send', async () => {
    const both = fakeHttpClient(() => ({ body: { device_code: 'dc', user_code: 'U', verification_uri: `${ORIGIN}/rfc`, verification_url: `${ORIGIN}/draft` } }));
    await expect(start(google, both)).resolves.toMatchObject({ verificationUri: `${ORIGIN}/rfc` });
  });
});

describe("Google's 400 invalid_token to a revocation", () => {
  const endpoints = (origin: string): Endpoints => ({
    host: new URL(origin).host,
    issuer: origin,
    authorize: `${origin}/authorize`,
    token: `${origin}/token`,
    revocation: `${origin}/revoke`,
    api: origin,
    apiOrigins: [origin],
    clientAuthMethod: 'client_secret_post',
  });
  // The refresh token's revocation ends the grant; the access token is then gone already.
  const server = () => fakeHttpClient((req) => (req.form?.token_type_hint === 'refresh_token' ? { body: {} } : { status: 400, body: { error: 'invalid_token', error_description: 'Token expired or revoked' } }));
  const revoke = (provider: Provider, origin: string) =>
    provider.revoke!(server(), { endpoints: endpoints(origin), clientId: 'cid', clientSecret: 'secret', tokens: { accessToken: 'at', refreshToken: 'rt', tokenType: 'bearer', scopes: [] } });

  it('means revoked at Google, and at an added issuer (any server at all)', async () => {
    await expect(revoke(google, 'https://oauth2.example')).resolves.toBeUndefined();
    await expect(revoke(corp, 'https://idp.example')).resolves.toBeUndefined();
  });

  it('is a failed revocation at GitLab, whose revocation answers 200 as RFC 7009 §2.2 says', async () => {
    await expect(revoke(gitlab, 'https://gitlab.example.com')).rejects.toMatchObject({ code: 'revoke_failed', message: 'gitlab.example.com answered HTTP 400 to the revocation request' });
  });

  it('is read by src/oauth only when the caller hands it the reading', async () => {
    const http = fakeHttpClient(() => ({ status: 400, body: { error: 'invalid_token' } }));
    const request = { endpoint: 'https://idp.example/revoke', token: 't', tokenTypeHint: 'access_token' as const, client: clientAuth('cid', 'secret') };
    await expect(revokeToken(http, request)).rejects.toMatchObject({ code: 'revoke_failed' });
    await expect(revokeToken(http, { ...request, alreadyGone: ({ status }) => status === 400 })).resolves.toBeUndefined();
  });
});
