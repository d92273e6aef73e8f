// @needs-keychain: these tests sign in and keep tokens in the OS keychain.
// Issue 22: a sign-in made with the client given inline (`OAUTHCLI_GITHUB_CLIENT_ID=… oauthcli
// login github`) keeps working once the variables are gone: the built CLI, the fake GitHub, the
// suite's Secret Service.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { filesContaining, keychainEntries, type Env } from '../support/cli.js';
import { accountKeyFor, setUp, type GitHubLab } from './harness.js';

const SECRET = 'test-client-secret';
const INLINE: Env = { OAUTHCLI_GITHUB_CLIENT_ID: 'test-client-id', OAUTHCLI_GITHUB_CLIENT_SECRET: SECRET };
const NO_CLIENT: Env = { OAUTHCLI_GITHUB_CLIENT_ID: undefined, OAUTHCLI_GITHUB_CLIENT_SECRET: undefined };

let w: GitHubLab;
beforeEach(async () => {
  // Access tokens from the sign-in expire at once; refreshing them needs the secret (as GitHub's web-flow tokens do).
  w = await setUp({ tokenLifetime: 1, requireClientSecretForRefresh: true });
});
afterEach(async () => {
  await w.close();
});

async function login(): Promise<void> {
  const res = await w.cli(['login', 'github', '--device', '--no-browser', '--hostname', w.host], { env: INLINE });
  expect(res.code, res.stderr).toBe(0);
}

describe('login with the client in environment variables, then use without them', () => {
  it('token after expiry refreshes with the remembered client; the config file holds the id and no secret', async () => {
    await login();
    const config = readFileSync(join(w.sandbox.configDir, 'config.json'), 'utf8');
    expect(JSON.parse(config).accounts[accountKeyFor(w)].clientId).toBe('test-client-id');
    expect(filesContaining(w.sandbox.root, SECRET)).toEqual([]);
    const entry = (await keychainEntries()).find((e) => e.account === accountKeyFor(w));
    expect(JSON.parse(entry!.secret).clientSecret).toBe(SECRET);

    w.server.setOptions({ tokenLifetime: 3600 });
    // The sign-in's access token is over at the fake (its one second need not pass: the CLI
    // refreshes a token this close to its expiry either way).
    const first = w.server.grants[0]!.access_token;
    w.server.expireAccessToken(first);
    expect(w.server.isTokenValid(first)).toBe(false);
    const token = await w.cli(['token', 'github', '--hostname', w.host], { env: NO_CLIENT });
    expect(token.code, token.stderr).toBe(0);
    expect(w.server.isTokenValid(token.stdout.trim())).toBe(true);
    const refresh = w.server.grants.filter((g) => g.grant_type === 'refresh_token');
    expect(refresh).toHaveLength(1);
    expect(refresh[0]!.client_secret_sent).toBe(true);
    expect(token.stderr).not.toContain(SECRET);
    expect(filesContaining(w.sandbox.root, SECRET)).toEqual([]);
  });

  it('revoke works with no environment variable', async () => {
    await login();
    w.server.setOptions({ tokenLifetime: 3600 });
    const res = await w.cli(['revoke', 'github', '--hostname', w.host], { env: NO_CLIENT });
    expect(res.code, res.stderr).toBe(0);
    // DELETE /applications/{client_id}/token, with the remembered id and secret (Basic auth).
    expect(w.server.revocations.filter((r) => r.via === 'api')).toHaveLength(1);
    expect(res.stderr).not.toContain(SECRET);
  });
});
