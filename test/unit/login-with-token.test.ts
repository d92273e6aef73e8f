// `login --with-token` with a token the provider refuses: one line that says the pasted token was
// refused and nothing was stored (as gh's "error validating token"), not "no longer accepts the
// stored token", which is about a sign-in that once worked. In process.
import { afterEach, expect, it } from 'vitest';
import { run as login } from '../../src/cli/commands/login.js';
import { reportError } from '../../src/cli/errors.js';
import { fakeHttpClient } from '../support/fake-http-client.js';
import { testWorld, type TestWorld } from '../support/test-world.js';

const worlds: TestWorld[] = [];
afterEach(() => {
  for (const w of worlds.splice(0)) w.cleanup();
});

it('a refused token: exit 1, one line naming what was refused, nothing stored', async () => {
  // GitHub's answer to a bad token (https://docs.github.com/en/rest/users/users#get-the-authenticated-user).
  const http = fakeHttpClient(() => ({ status: 401, body: { message: 'Bad credentials', documentation_url: 'https://docs.github.com/rest' } }));
  const t = testWorld({ http, stdin: 'gho_not_a_real_token_000000000000\n' });
  worlds.push(t);
  const code = await login(t.world, 'github', { browser: false, withToken: true, timeout: '5m', git: false }).catch((error: unknown) =>
    reportError(error, { stderr: t.world.stderr, debug: false, redact: t.world.redact, loginHint: t.world.loginHint }),
  );
  expect(code).toBe(1);
  expect(t.stderr()).toBe('oauthcli: github.com refused the token read from stdin (HTTP 401): check that it is a valid token for github.com; nothing was stored\n');
  expect(t.stdout()).toBe('');
  expect(t.world.accounts.list()).toEqual([]);
  expect(t.keyring.entries.size).toBe(0);
});
