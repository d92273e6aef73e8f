// Options as data, for the commands the fast path runs without commander (src/cli/fast-path.ts):
// commander's program (src/cli/program.ts) adds them from here too, so the two parsers read one
// table and cannot drift apart (test/unit/fast-path.test.ts parses the same words with both).

export interface OptionSpec {
  /** As commander writes them: "-L, --limit <n>" for an option with a value, "--json" for a switch. */
  flags: string;
  description: string;
}

/** On every command that takes a host (so -h is not help there: --help is). */
export const HOSTNAME_OPTION: OptionSpec = {
  flags: '-h, --hostname <host>',
  description: "the provider's host: github.com or gitlab.com by default; a GitHub Enterprise or self-managed GitLab host, or HOST:PORT",
};
export const USER_OPTION: OptionSpec = { flags: '-u, --user <login>', description: 'which account, when several are stored' };
export const JQ_OPTION: OptionSpec = { flags: '-q, --jq <expression>', description: 'filter the JSON output with a jq expression (each result on one line, as gh prints it)' };
export const JSON_OPTION: OptionSpec = { flags: '--json', description: 'machine-readable output' };

export const TOKEN_OPTIONS: readonly OptionSpec[] = [
  USER_OPTION,
  { flags: '--json', description: 'the token with its expiry, scopes and account as JSON' },
  { flags: '--min-valid <duration>', description: 'refresh first unless the token stays valid this long, e.g. 10m or 1h' },
  { flags: '--id-token', description: "the OpenID Connect ID token instead of the access token" },
  { flags: '--exec-credential', description: "a client.authentication.k8s.io ExecCredential for kubectl's exec plugins" },
];

export const WHOAMI_OPTIONS: readonly OptionSpec[] = [USER_OPTION, JSON_OPTION, JQ_OPTION];

export const REPOS_OPTIONS: readonly OptionSpec[] = [
  USER_OPTION,
  { flags: '-L, --limit <n>', description: 'list at most this many (only the pages needed are requested)' },
  { flags: '--visibility <visibility>', description: 'all, public or private' },
  { flags: '--affiliation <list>', description: 'comma-separated: owner, collaborator, organization_member' },
  { flags: '--sort <field>', description: 'created, updated, pushed or full_name' },
  { flags: '--direction <direction>', description: 'asc or desc' },
  { flags: '--max-pages <n>', description: 'follow at most this many pages (default 10000)' },
  { flags: '--json [fields]', description: "a JSON array of the provider's repository objects, in the provider's order; with fields (name,html_url), only those" },
  JQ_OPTION,
];
