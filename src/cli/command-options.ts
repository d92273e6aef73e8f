// Options as data, for the commands the fast path runs without commander (src/cli/fast-path.ts):
// commander's program (src/cli/program.ts) adds them from here too, so the two parsers read one
// table and cannot drift apart (test/unit/fast-path.test.ts parses the same words with both).

export interface OptionSpec {
  /** As commander writes them: "-L, --limit <n>" for an option with a value, "--json" for a switch. */
  flags: string;
  description: string;
  /** Given any number of times, its values collected in order (none: an empty list). */
  repeatable?: true;
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

export const API_OPTIONS: readonly OptionSpec[] = [
  USER_OPTION,
  { flags: '-X, --method <method>', description: 'the HTTP method (default GET, or POST when fields are given)' },
  { flags: '-f, --raw-field <key=value>', description: 'a string parameter (repeatable)', repeatable: true },
  { flags: '-F, --field <key=value>', description: 'a typed parameter: true, false, null, integers; @file reads a file, @- stdin (repeatable)', repeatable: true },
  { flags: '-H, --header <key:value>', description: 'an HTTP request header (repeatable)', repeatable: true },
  { flags: '--input <file>', description: 'the request body from a file (- for stdin)' },
  { flags: '-R, --repo <owner/repo>', description: 'fill {owner} and {repo} in the endpoint from this (default: GH_REPO, else the current git repository)' },
  { flags: '--paginate', description: 'fetch every page (Link rel="last": the rest at once; rel="next" or a cursor: one after another)' },
  { flags: '--max-pages <n>', description: 'with --paginate, follow at most this many pages (default 10000)' },
  { flags: '-i, --include', description: 'print the HTTP status line and response headers before the body' },
  { flags: '--silent', description: 'do not print the response body' },
  JQ_OPTION,
];
