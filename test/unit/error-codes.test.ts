// The error table (src/errors.ts: code → kind) and the exit codes (src/cli/errors.ts: kind →
// exit) against what the README and the contract promise: every code ends the process with an
// exit code they document, and they document exactly the exit codes oauthcli uses.
import { existsSync, readFileSync } from 'node:fs';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { EXIT_CODES, reportError } from '../../src/cli/errors.ts';
import { AppError, ERRORS, serverErrorCode, type ErrorCode, type ErrorKind } from '../../src/errors.ts';

const README = new URL('../../README.md', import.meta.url);
const ARCHITECTURE = new URL('../../docs/architecture.md', import.meta.url);
// The interface contract lives beside the repository where the project is built; a clone
// without it checks the README, which repeats the contract's exit codes for users.
const CONTRACT = '/work/shared/cli-contract.md';

/** How each kind's exit code is named in the documents' "Exit codes" section. */
const DOCUMENTED_AS: Record<ErrorKind, string> = {
  failure: 'failure',
  usage: 'usage',
  'not-signed-in': 'not signed in',
  interrupted: 'interrupted',
};

function exitCodesSection(markdown: string): string {
  const section = /^## Exit codes\n([\s\S]*?)(?=^## |(?![\s\S]))/m.exec(markdown)?.[1];
  if (!section) throw new Error('no "## Exit codes" section');
  return section;
}

/** Each exit code the section names (`` `2` usage … ``), with the words that follow it. */
function documentedExits(section: string): Map<number, string> {
  return new Map([...section.matchAll(/`(\d+)` ([^·(]+)/g)].map((m) => [Number(m[1]), m[2]!.replace(/\s+/g, ' ').trim()]));
}

function checkAgainst(markdown: string) {
  const documented = documentedExits(exitCodesSection(markdown));
  expect([...documented.keys()].sort((a, b) => a - b)).toEqual([0, ...Object.values(EXIT_CODES)].sort((a, b) => a - b));
  expect(documented.get(0)).toMatch(/^success/);
  for (const [kind, exit] of Object.entries(EXIT_CODES) as Array<[ErrorKind, number]>) {
    expect(documented.get(exit), `exit ${exit} (${kind})`).toMatch(new RegExp(`^${DOCUMENTED_AS[kind]}\\b`));
  }
}

const silent = () =>
  new Writable({
    write(_chunk, _encoding, done) {
      done();
    },
  });

describe('error codes', () => {
  it('every code in the table ends the process with the exit code of its kind, one the README documents', () => {
    const documented = documentedExits(exitCodesSection(readFileSync(README, 'utf8')));
    const codes = Object.entries(ERRORS) as Array<[ErrorCode, ErrorKind]>;
    expect(codes.length).toBeGreaterThan(100);
    for (const [code, kind] of codes) {
      expect(code).toMatch(/^[a-z][a-z0-9_]*$/);
      const error = new AppError(...([kind, 'something went wrong', { code }] as ConstructorParameters<typeof AppError>));
      const exit = reportError(error, { stderr: silent(), debug: false, redact: (text) => text });
      expect(exit, code).toBe(EXIT_CODES[kind]);
      expect(documented.get(exit), `${code} exits ${exit}`).toMatch(new RegExp(`^${DOCUMENTED_AS[kind]}\\b`));
    }
  });

  it("the README's exit codes are exactly EXIT_CODES and success", () => {
    checkAgainst(readFileSync(README, 'utf8'));
  });

  it("docs/architecture.md's table of kinds gives each kind its exit code", () => {
    const section = /^## Errors\n([\s\S]*?)(?=^## |(?![\s\S]))/m.exec(readFileSync(ARCHITECTURE, 'utf8'))?.[1] ?? '';
    const rows = new Map([...section.matchAll(/^\| `([a-z-]+)` \| (\d+) \|/gm)].map((m) => [m[1], Number(m[2])]));
    expect(Object.fromEntries(rows)).toEqual(EXIT_CODES);
  });

  it.skipIf(!existsSync(CONTRACT))("the contract's exit codes are exactly EXIT_CODES and success", () => {
    checkAgainst(readFileSync(CONTRACT, 'utf8'));
  });

  it('an OAuth error code from a server keeps its name when the table has it, and is oauth_error otherwise', () => {
    expect(serverErrorCode('authorization_pending')).toBe('authorization_pending');
    expect(serverErrorCode('bad_refresh_token')).toBe('bad_refresh_token');
    expect(serverErrorCode('invalid_scope_of_some_vendor')).toBe('oauth_error');
    // A server cannot borrow one of oauthcli's own codes (a retry, a fallback) by sending its name.
    expect(serverErrorCode('network')).toBe('oauth_error');
    expect(serverErrorCode('__proto__')).toBe('oauth_error');
  });
});
