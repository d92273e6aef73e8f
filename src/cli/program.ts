// Builds the commander program (also read by `completion`, so scripts never drift from it) and
// runs it. Each command's module is imported only when it runs. Short flags are gh's: on a
// command that takes a host, -h is --hostname (--help stays help).
import { fstatSync, writeSync } from 'node:fs';
import { Command, CommanderError, Option } from 'commander';
import { API_OPTIONS, HOSTNAME_OPTION, JQ_OPTION, JSON_OPTION, REPOS_OPTIONS, TOKEN_OPTIONS, USER_OPTION, WHOAMI_OPTIONS, type OptionSpec } from './command-options.js';
import { reportError, usageLine } from './errors.js';
import { debugFromEnv, runCommand, trapInterrupts, type CommandModule } from './run-command.js';
import type { World } from './world.js';

type Loader = () => Promise<CommandModule>;

const ENV_HELP = `
Environment:
  OAUTHCLI_<PROVIDER>_CLIENT_ID, _CLIENT_SECRET  the OAuth app's credentials (GITHUB, GOOGLE, GITLAB)
  OAUTHCLI_<PROVIDER>_TOKEN, _HOST  a token to use instead of a stored one (CI), and the default host
  GH_TOKEN, GITHUB_TOKEN   a token for github.com, as in gh (OAUTHCLI_GITHUB_TOKEN wins)
  GH_ENTERPRISE_TOKEN, GITHUB_ENTERPRISE_TOKEN, GH_HOST  a token for the GitHub Enterprise host GH_HOST
  OAUTHCLI_CONFIG_DIR      folder of the (non-secret) config file
  OAUTHCLI_BROWSER, BROWSER  command that opens a URL
  OAUTHCLI_DEBUG=1         same as --debug
  OAUTHCLI_STORAGE         keychain, pass or file: where login stores tokens by default
  PASSWORD_STORE_DIR, GNUPGHOME  the pass store and gpg's folder, as for pass
  NO_COLOR, FORCE_COLOR    colours; HTTPS_PROXY, HTTP_PROXY, NO_PROXY  proxies
  NODE_EXTRA_CA_CERTS, NODE_USE_SYSTEM_CA=1  trust a private certificate authority

Exit codes: 0 ok, 1 failure, 2 usage, 4 not signed in, 130 interrupted.
Tokens live in the OS keychain under the service "oauthcli", or where login --storage put them.`;

/** Examples shown at the end of a command's --help, as gh's are. */
function examples(...lines: string[]): string {
  return `\nExamples:\n${lines.map((l) => `  $ ${l}`).join('\n')}\n`;
}

export interface ProgramHooks {
  /** Runs a command's module with the world and its arguments. */
  execute(load: Loader): (...args: unknown[]) => Promise<void>;
}

/** The whole command tree, without running anything. */
export function buildProgram(hooks: ProgramHooks): Command {
  const { execute } = hooks;
  const program = new Command('oauthcli')
    .description('Sign in with OAuth 2.0, keep the tokens in the OS keychain, and use them.')
    .version(__OAUTHCLI_VERSION__, '-V, --version')
    .option('--debug', 'print an HTTP trace on stderr, with every secret redacted')
    .showSuggestionAfterError(true)
    .addHelpText(
      'after',
      ENV_HELP +
        '\n' +
        examples('oauthcli app create github', 'oauthcli login github', 'oauthcli whoami', 'oauthcli repos -L 10', 'oauthcli setup-git'),
    )
    // Help goes straight to fd 1. process.stdout (a stream; node:net for a pipe) is only built
    // when stdout may be a terminal, to learn its width: start-up is part of the product.
    .configureOutput({
      writeOut: writeOutSync,
      // Help shown because a command group or the program was given no command (commander's
      // "help with error") goes to stdout, as gh's does; errors are printed once, in our own
      // style, by run() below.
      writeErr: writeOutSync,
      outputError: () => undefined,
      getOutHelpWidth: () => (mayBeTerminal(1) && process.stdout.isTTY && process.stdout.columns ? process.stdout.columns : 80),
      getOutHasColors: () => false,
    })
    .exitOverride();

  const option = (spec: OptionSpec) => {
    const made = new Option(spec.flags, spec.description);
    return spec.repeatable ? made.argParser(collect).default([]) : made;
  };
  /** A command that takes a host: -h is --hostname, so help is --help only. */
  const hostCommand = (name: string, options: readonly OptionSpec[] = []) => {
    const command = program.command(name).helpOption('--help', 'display help for command').addOption(option(HOSTNAME_OPTION));
    for (const spec of options) command.addOption(option(spec));
    return command;
  };
  const user = () => option(USER_OPTION);
  const jq = () => option(JQ_OPTION);

  hostCommand('login')
    .description('sign in and store the tokens in the OS keychain')
    .argument('<provider>', 'github, google, gitlab, entra, or a provider added with `provider add`')
    .option('--device', 'use the device flow (a one-time code entered in a browser anywhere)')
    .option('-w, --web', 'use the browser flow (loopback redirect with PKCE)')
    .option('-s, --scopes <scopes>', "scopes to ask for besides the provider's defaults (comma-separated, repeatable)", collect, [])
    .option('--no-browser', 'print the URL instead of opening a browser')
    .option('-c, --clipboard', 'copy the one-time code to the clipboard')
    .option('--with-token', 'read a token from stdin, validate it and store it')
    .addOption(new Option('--storage <store>', 'where the tokens go: keychain (default), pass (gpg-encrypted, for machines without a keychain) or file').choices(['keychain', 'pass', 'file']))
    .option('--insecure-storage', 'same as --storage file: a file readable only by you')
    .option('--timeout <duration>', 'how long the browser flow waits, e.g. 5m or 90s (at most 24h)', '5m')
    .option('--git', 'configure git to use oauthcli for the host afterwards (asked on a terminal otherwise)')
    .option('--no-git', 'do not configure git, and do not ask')
    .option('--tenant <tenant>', 'entra: the directory to sign in to, a tenant id or domain, or organizations (default), common, consumers')
    .addHelpText(
      'after',
      examples(
        'oauthcli login github',
        'oauthcli login github --git                  # and make git use oauthcli for github.com',
        'oauthcli login github -h ghe.example.com -s read:org,repo',
        'oauthcli login github --web --no-browser     # browser on another machine',
        'oauthcli login github --with-token < token.txt',
        'oauthcli login github --storage pass            # SSH server, container, WSL',
        'oauthcli login entra --tenant contoso.onmicrosoft.com -s https://management.azure.com/user_impersonation',
      ),
    )
    .action(execute(() => import('./commands/login.js')));

  hostCommand('whoami', WHOAMI_OPTIONS)
    .description('the signed-in profile, fetched live from the provider')
    .argument('[provider]')
    .addHelpText('after', examples('oauthcli whoami', 'oauthcli whoami gitlab --json', "oauthcli whoami -q '.login'"))
    .action(execute(() => import('./commands/whoami.js')));

  hostCommand('repos', REPOS_OPTIONS)
    .description("the signed-in user's repositories (a table, or --json), streamed as the pages arrive")
    .argument('[provider]')
    .addHelpText('after', examples('oauthcli repos -L 20 --sort updated', "oauthcli repos --json | jq -r '.[].full_name'", "oauthcli repos -q '.[] | select(.fork | not) | .full_name'"))
    .action(execute(() => import('./commands/repos.js')));

  hostCommand('token', TOKEN_OPTIONS)
    .description('print a valid access token on stdout, refreshing it first if needed')
    .argument('[provider]')
    .addHelpText(
      'after',
      examples(
        'GH_TOKEN=$(oauthcli token) gh repo list',
        'curl -H "Authorization: Bearer $(oauthcli token)" https://api.github.com/user',
        'oauthcli token --json --min-valid 10m',
        'oauthcli token corp --id-token --exec-credential   # what kubectl runs (see setup-kubectl)',
      ),
    )
    .action(execute(() => import('./commands/token.js')));

  hostCommand('refresh')
    .description('refresh the access token now; with --scopes, sign in again asking for more scopes')
    .argument('[provider]')
    .addOption(user())
    .option('-s, --scopes <scopes>', 'sign in again asking for the current scopes plus these (comma-separated)')
    .option('-c, --clipboard', 'copy the one-time code to the clipboard')
    .addHelpText('after', examples('oauthcli refresh', 'oauthcli refresh github -s read:org'))
    .action(execute(() => import('./commands/refresh.js')));

  hostCommand('revoke')
    .description('revoke the token at the provider, then forget it locally')
    .argument('[provider]')
    .addOption(user())
    .addHelpText('after', examples('oauthcli revoke github'))
    .action(execute(() => import('./commands/revoke.js')));

  hostCommand('status')
    .description('every account: provider, host, login, active, scopes, expiry, storage, and whether its token works (exit 1 when one does not, or none is signed in)')
    .option('--offline', 'do not ask the providers whether the tokens still work')
    .addOption(option(JSON_OPTION))
    .addOption(jq())
    .addHelpText('after', examples('oauthcli status', 'oauthcli status -h github.com', 'oauthcli status --offline --json'))
    .action(execute(() => import('./commands/status.js')));

  hostCommand('logout')
    .description('forget the account on this machine (and revoke its token where possible)')
    .argument('[provider]')
    .addOption(user())
    .option('--keep-remote', 'do not revoke the token at the provider')
    .option('--all', 'sign out of every linked account')
    .addHelpText('after', examples('oauthcli logout github', 'oauthcli logout --all'))
    .action(execute(() => import('./commands/logout.js')));

  hostCommand('switch')
    .description('make another stored account of a provider the active one')
    .argument('<provider>')
    .addOption(user())
    .addHelpText('after', examples('oauthcli switch github', 'oauthcli switch github -u octocat'))
    .action(execute(() => import('./commands/switch.js')));

  hostCommand('api', API_OPTIONS)
    .description("call the provider's API with the account's token, like gh api")
    .argument('<provider-or-endpoint>', 'the provider (may be left out), then the endpoint: a path under the API base (/user, user/repos), or a full URL on a host the provider owns')
    .argument('[endpoint]')
    .addHelpText(
      'after',
      examples(
        'oauthcli api /user',
        'oauthcli api repos/{owner}/{repo}/branches/{branch}',
        "oauthcli api user/repos --paginate -q '.[].full_name'",
        'oauthcli api -X POST /user/repos -f name=hello -F private=true',
        'oauthcli api gitlab /projects -f membership=true -X GET',
      ),
    )
    .action(execute(() => import('./commands/api.js')));

  hostCommand('setup-git')
    .description('make git use oauthcli as the credential helper for a host')
    .argument('[provider]')
    .option('--remove', 'undo it: remove the helper oauthcli set for the host')
    .addHelpText('after', examples('oauthcli setup-git', 'oauthcli setup-git -h ghe.example.com', 'oauthcli setup-git --remove'))
    .action(execute(() => import('./commands/setup-git.js')));

  hostCommand('setup-kubectl')
    .description('make kubectl get its token from oauthcli: a kubeconfig user with an exec plugin, and a context for the cluster')
    .argument('<provider>')
    .option('--cluster <name>', 'the cluster as the kubeconfig names it (kubectl config get-clusters)')
    .option('--user <name>', 'the name of the kubeconfig user entry (default oauthcli-PROVIDER)')
    .option('--context <name>', 'the name of the context joining them (default oauthcli-CLUSTER)')
    .option('--id-token', 'hand kubectl the OpenID Connect ID token (clusters that trust the issuer) instead of the access token')
    .option('--kubeconfig <path>', 'the kubeconfig file to change (default: KUBECONFIG, else ~/.kube/config)')
    .option('--remove', 'undo it: remove the context and user oauthcli added')
    .addHelpText('after', examples('oauthcli setup-kubectl corp --cluster prod --id-token', 'kubectl --context oauthcli-prod get pods', 'oauthcli setup-kubectl corp --cluster prod --remove'))
    .action(execute(() => import('./commands/setup-kubectl.js')));

  program
    .command('setup-docker')
    .helpOption('--help', 'display help for command')
    .description("make docker get registry credentials from oauthcli: credHelpers entries in docker's config.json")
    .option('--registry <host>', 'one registry: a built-in one (ghcr.io, docker.pkg.github.com, registry.gitlab.com) or any other with --provider')
    .option('--provider <provider>', "the provider whose account's token the registry takes")
    .addOption(option(HOSTNAME_OPTION))
    .option('--username <name>', 'the username docker sends with the token (default: the login; GitLab: oauth2)')
    .option('--remove', 'undo it: remove the entries naming oauthcli (all, or the --registry one)')
    .addHelpText('after', examples('oauthcli setup-docker', 'oauthcli setup-docker --registry registry.corp.example --provider gitlab -h gitlab.corp.example', 'oauthcli setup-docker --remove'))
    .action(execute(() => import('./commands/setup-docker.js')));

  program
    .command('git-credential')
    .description("git's credential-helper protocol (called by git, not by people)")
    .argument('<operation>', 'get, store or erase')
    .addHelpText(
      'after',
      examples(
        'oauthcli setup-git                     # what sets it up for you',
        'git config --global credential.https://github.com.helper "!oauthcli git-credential"',
        'printf "protocol=https\\nhost=github.com\\n\\n" | oauthcli git-credential get',
      ),
    )
    .action(execute(() => import('./commands/git-credential.js')));

  program
    .command('completion')
    .description('print a shell completion script')
    .argument('<shell>', 'bash, zsh or fish')
    .addHelpText('after', examples('source <(oauthcli completion bash)', 'oauthcli completion zsh > "${fpath[1]}/_oauthcli"', 'oauthcli completion fish > ~/.config/fish/completions/oauthcli.fish'))
    .action(execute(() => import('./commands/completion.js')));

  // The completion scripts' source of provider names and logins (from the config); not for people.
  program
    .command('__complete', { hidden: true })
    .argument('<what>', 'providers or users')
    .argument('[provider]')
    .action(execute(() => import('./commands/completion.js').then((m) => ({ run: m.complete }))));

  const app = program
    .command('app')
    .description('create the OAuth app oauthcli signs in with: create')
    .addHelpText('after', examples('oauthcli app create github', 'oauthcli app create github --org my-org'));
  app
    .command('create')
    .description("create your own GitHub App with GitHub's app manifest flow (one browser round trip) and keep its client id and secret")
    .helpOption('--help', 'display help for command')
    .argument('<provider>', 'github')
    .addOption(option(HOSTNAME_OPTION))
    .option('--org <org>', 'create the app for this organization instead of your account')
    .option('--no-browser', 'print the local page to open instead of opening a browser')
    .option('--timeout <duration>', 'how long to wait for GitHub, e.g. 10m (at most 24h)', '10m')
    .addHelpText(
      'after',
      examples('oauthcli app create github', 'oauthcli app create github --org my-org', 'oauthcli app create github -h ghe.example.com', 'oauthcli login github     # afterwards: no client id to set'),
    )
    .action(execute(() => import('./commands/app.js').then((m) => ({ run: m.create }))));

  const storage = program.command('storage').description('where tokens are stored: migrate')
    .addHelpText('after', examples('oauthcli storage migrate --to pass', 'oauthcli storage migrate --to keychain github'));
  storage
    .command('migrate')
    .description('move stored accounts to another secret store, without signing in again')
    .argument('[provider]', 'only this provider\'s accounts')
    .addOption(new Option('--to <store>', 'the store to move to').choices(['keychain', 'pass', 'file']).makeOptionMandatory())
    .addHelpText('after', examples('oauthcli storage migrate --to pass', 'oauthcli storage migrate --to keychain github'))
    .action(execute(() => import('./commands/storage.js').then((m) => ({ run: m.migrate }))));

  const provider = program
    .command('provider')
    .description('OpenID Connect providers added by name: add, set, list, remove')
    .addHelpText('after', examples('oauthcli provider add corp --issuer https://login.corp.example --client-id oauthcli', 'oauthcli provider set corp --redirect-port 8765', 'oauthcli provider list', 'oauthcli provider remove corp'));
  provider
    .command('add')
    .description('add an OpenID Connect issuer, found by discovery')
    .argument('<name>', 'the name to use with login, e.g. "corp"')
    .requiredOption('--issuer <url>', 'the issuer URL exactly as the issuer names itself (https, or http on a loopback address)')
    .requiredOption('--client-id <id>', "the client's id")
    .option('--client-secret <secret>', "the client's secret, for a confidential client (visible in `ps`: prefer --client-secret-stdin)")
    .option('--client-secret-stdin', "read the client's secret from stdin")
    .option('--scopes <scopes>', 'scopes to ask for (default: openid,profile,email, and offline_access when the issuer lists it)')
    .option('--redirect-port <port>', 'a fixed loopback port: the redirect URI is http://127.0.0.1:PORT/callback (for servers that match redirect URIs exactly)')
    .option('--redirect-uri <uri>', 'a fixed loopback redirect URI, sent exactly as given (http://127.0.0.1:PORT/PATH or http://localhost:PORT/PATH)')
    .option('--param <key=value>', 'an extra authorization and device-authorization parameter, e.g. audience=https://api.example (repeatable)', collect, [])
    .option('--prompt <value>', 'the prompt to send (login, consent, select_account); none by default')
    .option('--api-base <url>', 'the base URL for oauthcli api with this provider (default: the issuer\'s origin)')
    .addHelpText(
      'after',
      examples(
        'oauthcli provider add corp --issuer https://login.corp.example --client-id oauthcli',
        'oauthcli provider add corp --issuer https://tenant.auth0.com/ --client-id ID --param audience=https://api.corp.example',
        'oauthcli provider add glew --issuer https://sso.example/api/oidc --client-id oauthcli --redirect-port 8400',
      ),
    )
    .action(execute(() => import('./commands/provider.js').then((m) => ({ run: m.add }))));
  provider
    .command('set')
    .description('change settings of an added provider, keeping the others (an empty value removes a setting)')
    .argument('<name>')
    .option('--issuer <url>', 'the issuer URL')
    .option('--client-id <id>', "the client's id")
    .option('--client-secret <secret>', "the client's secret (empty: none; visible in `ps`: prefer --client-secret-stdin)")
    .option('--client-secret-stdin', "read the client's secret from stdin")
    .option('--scopes <scopes>', 'scopes to ask for (empty: the default)')
    .option('--redirect-port <port>', 'a fixed loopback port: the redirect URI is http://127.0.0.1:PORT/callback (empty: a port the system picks)')
    .option('--redirect-uri <uri>', 'a fixed loopback redirect URI, sent exactly as given (empty: a port the system picks)')
    .option('--param <key=value>', 'an extra authorization and device-authorization parameter; KEY= removes one (repeatable)', collect, [])
    .option('--prompt <value>', 'the prompt to send (empty: none)')
    .option('--api-base <url>', 'the base URL for oauthcli api with this provider (empty: the issuer\'s origin)')
    .addHelpText('after', examples('oauthcli provider set glew --redirect-port 8400', 'oauthcli provider set auth0 --param audience=https://api.example --prompt login', "oauthcli provider set corp --prompt ''"))
    .action(execute(() => import('./commands/provider.js').then((m) => ({ run: m.set }))));
  provider
    .command('list')
    .description('built-in providers and the ones added')
    .addOption(option(JSON_OPTION))
    .addOption(jq())
    .addHelpText('after', examples('oauthcli provider list', "oauthcli provider list --json -q '.[].name'"))
    .action(execute(() => import('./commands/provider.js').then((m) => ({ run: m.list }))));
  provider
    .command('remove')
    .description('remove an added provider')
    .argument('<name>')
    .addHelpText('after', examples('oauthcli logout corp', 'oauthcli provider remove corp'))
    .action(execute(() => import('./commands/provider.js').then((m) => ({ run: m.remove }))));

  return program;
}

export async function run(argv: string[]): Promise<number> {
  const interrupts = trapInterrupts();
  let exitCode = 0;
  let debug = debugFromEnv();
  let world: World | undefined;
  let acted = false;
  const program = buildProgram({
    execute: (load) =>
      async (...args: unknown[]) => {
        acted = true;
        const command = args.at(-1) as Command;
        const opts = command.optsWithGlobals() as Record<string, unknown> & { debug?: boolean };
        debug ||= Boolean(opts.debug);
        // The command object comes last: a command that reads the tree itself (completion) needs no import of this file.
        exitCode = await runCommand({ name: commandPath(program, argv), loading: load(), positional: args.slice(0, -2), opts, command }, interrupts, { rethrow: true }).catch(
          (error: unknown) => {
            world = (error as { world?: World }).world;
            throw error;
          },
        );
      },
  });

  try {
    const topic = unknownHelpTopic(program, argv);
    if (topic !== undefined) {
      process.stderr.write(`${topic}\n`);
      return 2;
    }
    // `help provider add`: commander's help command reads only its first word.
    if (argv[0] === 'help' && argv.length > 2) {
      commandAt(program, argv.slice(1)).outputHelp();
      return 0;
    }
    await program.parseAsync(argv, { from: 'user' });
    // Nothing ran: no arguments, global flags alone, or a command group without its subcommand.
    // gh prints the help of what was typed, and so does oauthcli.
    if (!acted) commandAt(program, argv).outputHelp();
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version are not errors; everything else commander rejects is a usage error (exit 2).
      const ok = ['commander.helpDisplayed', 'commander.version', 'commander.help'].includes(error.code);
      if (!ok) process.stderr.write(`${usageLine(error.message, commandPath(program, argv))}\n`);
      exitCode = ok ? 0 : 2;
    } else if (argv[0] === '__complete') {
      // A shell asking for completions gets none, never an error (a corrupt config, say).
      exitCode = 0;
    } else {
      exitCode = reportError(error, { stderr: process.stderr, debug, redact: world?.redact ?? ((t) => t), loginHint: world?.loginHint, command: commandPath(program, argv) });
    }
  } finally {
    interrupts.release();
  }
  return exitCode;
}

/** "login" or "provider add": the command the user was typing, for "Run 'oauthcli … --help'". */
function commandPath(program: Command, argv: string[]): string {
  const names: string[] = [];
  for (let c: Command | null = commandAt(program, argv); c && c !== program; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}

/** The command the words of argv name, as deep as they go (the program itself for none). */
function commandAt(program: Command, argv: string[]): Command {
  let current = program;
  for (const word of argv) {
    if (word.startsWith('-')) continue;
    const sub = current.commands.find((c) => c.name() === word || c.aliases().includes(word));
    if (!sub) break;
    current = sub;
  }
  return current;
}

/** `help TOPIC` for a topic that is no command: the one line to print (commander prints nothing). */
function unknownHelpTopic(program: Command, argv: string[]): string | undefined {
  if (argv[0] !== 'help' || argv.length < 2) return undefined;
  let current = program;
  for (const word of argv.slice(1)) {
    if (word.startsWith('-')) continue;
    const sub = current.commands.find((c) => !(c as unknown as { _hidden?: boolean })._hidden && (c.name() === word || c.aliases().includes(word)));
    if (!sub) {
      const names = current.commands.filter((c) => !(c as unknown as { _hidden?: boolean })._hidden).map((c) => c.name());
      const near = closest(word, names);
      return usageLine(`unknown help topic '${word}'${near ? ` (did you mean '${near}'?)` : ''}`, commandPath(program, argv.slice(1)));
    }
    current = sub;
  }
  return undefined;
}

/** The name nearest to `word` by edit distance, when it is near enough to be a typo. */
function closest(word: string, names: string[]): string | undefined {
  let best: { name: string; distance: number } | undefined;
  for (const name of names) {
    const distance = editDistance(word.toLowerCase(), name);
    if (!best || distance < best.distance) best = { name, distance };
  }
  return best && best.distance <= Math.max(1, Math.floor(best.name.length / 3)) ? best.name : undefined;
}

function editDistance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) next[j] = Math.min(row[j]! + 1, next[j - 1]! + 1, row[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    row = next;
  }
  return row[b.length]!;
}

/** False for pipes, files and sockets; true for character devices (terminals, /dev/null). */
function mayBeTerminal(fd: number): boolean {
  try {
    return fstatSync(fd).isCharacterDevice();
  } catch {
    return false;
  }
}

/** Help and version text: small, written straight to fd 1 (as main.ts does); a closed pipe is fine. */
function writeOutSync(text: string): void {
  const bytes = Buffer.from(text);
  for (let offset = 0; offset < bytes.length; ) {
    try {
      offset += writeSync(1, bytes, offset);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EAGAIN') continue;
      return; // EPIPE and the like: nobody is reading.
    }
  }
}

/** Commander's accumulator for repeatable options. */
function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}
