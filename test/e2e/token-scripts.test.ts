// @needs-keychain: these tests sign in and keep tokens in the OS keychain.
// `oauthcli token` for scripts and kubectl, spawned as they run it (the fast path reads the same
// flags as commander): --json, --min-valid, --id-token and --exec-credential against the fake
// GitHub, whose tokens here last an hour.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { expectExpiresIn } from '../support/expiry.js';
import { setUp, type GitHubLab } from './harness.js';

let w: GitHubLab;
beforeEach(async () => {
  w = await setUp({ tokenLifetime: 3600 });
});
afterEach(async () => {
  await w.close();
});

const refreshGrants = () => w.server.grants.filter((g) => g.grant_type === 'refresh_token');

describe('token for scripts', () => {
  it('--json: the token with its expiry, scopes and account; --min-valid refreshes only a token that ends too soon', async () => {
    await w.signIn();
    const first = w.server.grants[0]!.access_token;
    const json = await w.cli(['token', '--json']);
    expect(json, json.stderr).toMatchObject({ code: 0, stderr: '' });
    const printed = JSON.parse(json.stdout) as Record<string, unknown>;
    expect(Object.keys(printed)).toEqual(['token', 'expiresAt', 'scopes', 'provider', 'host', 'login']);
    expect(printed).toMatchObject({ token: first, scopes: ['read:user', 'repo'], provider: 'github', host: w.host, login: 'octocat' });
    expectExpiresIn(printed.expiresAt, 3600, w.server.grants[0]!.time);

    // 30 minutes are left and more: the same token, no request.
    expect(await w.cli(['token', '--min-valid', '30m'])).toMatchObject({ code: 0, stdout: `${first}\n` });
    expect(refreshGrants()).toEqual([]);

    // Two hours are asked of one-hour tokens: refreshed once, then said plainly.
    const tooLong = await w.cli(['token', '--min-valid', '2h']);
    expect(tooLong).toMatchObject({ code: 1, stdout: '' });
    expect(tooLong.stderr).toMatch(/^oauthcli: the token for octocat on .* expires in (59|60) min, sooner than the 2 h asked for: GitHub's tokens do not last that long\n$/);
    expect(refreshGrants()).toHaveLength(1);
    expect(tooLong.stderr).not.toContain(refreshGrants()[0]!.access_token);

    const bad = await w.cli(['token', '--min-valid', 'tomorrow']);
    expect(bad).toMatchObject({ code: 2, stdout: '' });
  });

  it('--id-token from a provider that gives none: one line, exit 1; --exec-credential: an ExecCredential', async () => {
    await w.signIn();
    const id = await w.cli(['token', '--id-token']);
    expect(id).toEqual(expect.objectContaining({ code: 1, stdout: '', stderr: 'oauthcli: GitHub gives no ID token (it is not an OpenID Connect provider)\n' }));
    const exec = await w.cli(['token', '--exec-credential'], { env: { KUBERNETES_EXEC_INFO: JSON.stringify({ kind: 'ExecCredential', apiVersion: 'client.authentication.k8s.io/v1', spec: { interactive: false } }) } });
    expect(exec, exec.stderr).toMatchObject({ code: 0, stderr: '' });
    const credential = JSON.parse(exec.stdout) as { apiVersion: string; kind: string; status: { token: string; expirationTimestamp: string } };
    expect(credential).toMatchObject({ apiVersion: 'client.authentication.k8s.io/v1', kind: 'ExecCredential', status: { token: w.server.grants[0]!.access_token } });
    expect(credential.status.expirationTimestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  });
});
