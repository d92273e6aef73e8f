// What `oauthcli git-credential get` answers: the token of the account signed in to the host git
// asks about, refreshed first when it expires within 5 minutes (under the same lock as every
// other command, so four parallel fetches make one refresh), with its expiry. Nothing for a host
// without an account (git then asks its next helper), nothing over plain http to a host that is
// not loopback, and never a prompt.
import { isLoopbackHost } from '../http/insecure-hosts.js';
import type { SessionDeps } from '../session/deps.js';
import { envAccount } from '../session/env-accounts.js';
import { openSession } from '../session/open-session.js';
import { expiredSignIn } from '../session/sign-in-needed.js';
import type { AccountMeta } from '../store/accounts.js';
import type { CredentialAnswer, CredentialRequest } from './credential-protocol.js';

/** Usernames that name no one: git URLs carry them, and any account of the host fits. */
const GENERIC_USERNAMES = new Set(['oauth2', 'x-access-token', 'git', 'token']);

export interface GetOutcome {
  answer?: CredentialAnswer;
  /** Why there is no answer, when the user should hear it (on stderr; git shows it). */
  note?: string;
}

/** Hosts whose git credentials are another host's account: gists are github.com's. */
const SAME_ACCOUNT_AS: Record<string, string> = { 'gist.github.com': 'github.com' };

export async function answerGet(deps: SessionDeps, request: CredentialRequest): Promise<GetOutcome> {
  const asked = request.host?.toLowerCase();
  const host = asked && (SAME_ACCOUNT_AS[asked] ?? asked);
  if (!host) return {};
  // A token never travels unencrypted across a network: plain http only to this machine.
  if (request.protocol !== 'https' && !(request.protocol === 'http' && isLoopbackHost(host))) return {};
  const account = accountFor(deps, host, request.username);
  if (!account) return {};
  const provider = deps.providers.get(account.provider);
  if (account.needsLogin) return { note: expiredSignIn(deps, account, provider).message };
  const { tokens } = await openSession(deps, account);
  const answer: CredentialAnswer = { username: provider.git!.username(account.login), password: tokens.accessToken };
  if (tokens.expiresAt) answer.passwordExpiryUtc = Math.floor(Date.parse(tokens.expiresAt) / 1000);
  return { answer };
}

/** The account for a git host: a token from the environment first, then the one matching the URL's username, else the active one. */
function accountFor(deps: Pick<SessionDeps, 'accounts' | 'providers' | 'env'>, host: string, username: string | undefined): AccountMeta | undefined {
  const gitProviders = deps.providers.builtIn().filter((p) => p.git);
  const fromEnv = gitProviders.map((p) => envAccount(deps, p, host)).find(Boolean);
  if (fromEnv && (!username || GENERIC_USERNAMES.has(username))) return fromEnv;
  const stored = deps.accounts.list().filter((a) => a.host === host && gitProviders.some((p) => p.name === a.provider));
  if (username && !GENERIC_USERNAMES.has(username)) return stored.find((a) => a.login.toLowerCase() === username.toLowerCase());
  if (stored.length <= 1) return stored[0];
  return stored.find((a) => deps.accounts.isActive(a)) ?? stored[0];
}
