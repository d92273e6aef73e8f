// Builds the commander program. Each command's module is imported only when it runs.
import { fstatSync, writeSync } from 'node:fs';
import { Command, CommanderError, Option } from 'commander';
import { reportError } from './errors.js';
import type { World } from './world.js';

type CommandModule = { run(world: World, ...args: never[]): Promise<number | void> };

const ENV_HELP = `
Environment:
  OAUTHCLI_<PROVIDER>_CLIENT_ID, _CLIENT_SECRET  the OAuth app's credentials (GITHUB, GOOGLE, GITLAB)
  OAUTHCLI_CONFIG_DIR      folder of the (non-secret) config file
  OAUTHCLI_BROWSER, BROWSER  command that opens a URL
  OAUTHCLI_DEBUG=1         same as --debug
  NO_COLOR, FORCE_COLOR    colours; HTTPS_PROXY, HTTP_PROXY, NO_PROXY  proxies

Exit codes: 0 ok, 1 failure, 2 usage, 4 not signed in, 130 interrupted.
Tokens live in the OS keychain under the service "oauthcli".`;

export async function run(argv: string[]): Promise<number> {
  const controller = new AbortController();
  let interrupts = 0;
  const onSigint = () => {
    interrupts += 1;
    if (interrupts > 1) process.exit(130);
    controller.abort();
  };
  process.on('SIGINT', onSigint);
  // `oauthcli … | head`: a closed pipe is not an error worth a trace. Attached when a command
  // runs: touching process.stdout builds a stream, which --help does not need (start-up).
  const quietOnEpipe = () =>
    process.stdout.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EPIPE') process.exit(0);
    });

  let exitCode = 0;
  let debug = process.env.OAUTHCLI_DEBUG === '1' || process.env.OAUTHCLI_DEBUG === 'true';
  let world: World | undefined;
  const execute = (load: () => Promise<CommandModule>) =>
    async (...args: unknown[]) => {
      const command = args.at(-1) as Command;
      const opts = command.optsWithGlobals() as Record<string, unknown> & { debug?: boolean };
      debug ||= Boolean(opts.debug);
      quietOnEpipe();
      // The command's module loads while the world is made (start-up).
      const loading = load();
      loading.catch(() => undefined);
      const { createWorld } = await import('./world.js');
      world = await createWorld({ debug, signal: controller.signal });
      const mod = await loading;
      const positional = args.slice(0, -2);
      const code = await (mod.run as (w: World, ...rest: unknown[]) => Promise<number | void>)(world, ...positional, opts);
      exitCode = code ?? 0;
    };

  const program = new Command('oauthcli')
    .description('Sign in with OAuth 2.0, keep the tokens in the OS keychain, and use them.')
    .version(__OAUTHCLI_VERSION__, '-V, --version')
    .option('--debug', 'print an HTTP trace on stderr, with every secret redacted')
    .showSuggestionAfterError(true)
    .addHelpText('after', ENV_HELP)
    // Help goes straight to fd 1. process.stdout (a stream; node:net for a pipe) is only built
    // when stdout may be a terminal, to learn its width: start-up is part of the product.
    .configureOutput({
      writeOut: writeOutSync,
      getOutHelpWidth: () => (mayBeTerminal(1) && process.stdout.isTTY && process.stdout.columns ? process.stdout.columns : 80),
      getOutHasColors: () => mayBeTerminal(1) && process.stdout.isTTY && process.stdout.hasColors(),
    })
    .exitOverride();

  const hostname = () => new Option('--hostname <host>', "the provider's host: github.com or gitlab.com by default, a GitHub Enterprise Server or self-managed GitLab host, or HOST:PORT");

  program
    .command('login')
    .description('sign in and store the tokens in the OS keychain')
    .argument('<provider>', 'github, google, gitlab, or a provider added with `provider add`')
    .option('--device', 'use the device flow (a one-time code entered in a browser anywhere)')
    .option('--web', 'use the browser flow (loopback redirect with PKCE)')
    .option('--scopes <scopes>', 'comma-separated scopes to ask for')
    .addOption(hostname())
    .option('--no-browser', 'print the URL instead of opening a browser')
    .option('--with-token', 'read a token from stdin, validate it and store it')
    .option('--insecure-storage', 'store tokens in a file readable only by you when no keychain is usable')
    .option('--timeout <duration>', 'how long the browser flow waits, e.g. 5m or 90s', '5m')
    .action(execute(() => import('./commands/login.js')));

  program
    .command('whoami')
    .description('the signed-in profile, fetched live from the provider')
    .argument('[provider]')
    .addOption(hostname())
    .option('--user <login>', 'which account, when several are stored')
    .option('--json', 'machine-readable output')
    .action(execute(() => import('./commands/whoami.js')));

  program
    .command('repos')
    .description("the signed-in user's repositories (a table, or --json), streamed as the pages arrive")
    .argument('[provider]')
    .addOption(hostname())
    .option('--user <login>', 'which account, when several are stored')
    .option('--limit <n>', 'list at most this many (only the pages needed are requested)')
    .option('--visibility <visibility>', 'all, public or private')
    .option('--affiliation <list>', 'comma-separated: owner, collaborator, organization_member')
    .option('--sort <field>', 'created, updated, pushed or full_name')
    .option('--direction <direction>', 'asc or desc')
    .option('--json', "a JSON array of the provider's repository objects, in the provider's order")
    .action(execute(() => import('./commands/repos.js')));

  program
    .command('token')
    .description('print a valid access token on stdout, refreshing it first if needed')
    .argument('[provider]')
    .addOption(hostname())
    .option('--user <login>', 'which account, when several are stored')
    .action(execute(() => import('./commands/token.js')));

  program
    .command('refresh')
    .description('refresh the access token now')
    .argument('[provider]')
    .addOption(hostname())
    .option('--user <login>', 'which account, when several are stored')
    .action(execute(() => import('./commands/refresh.js')));

  program
    .command('revoke')
    .description('revoke the token at the provider, then forget it locally')
    .argument('[provider]')
    .addOption(hostname())
    .option('--user <login>', 'which account, when several are stored')
    .action(execute(() => import('./commands/revoke.js')));

  program
    .command('status')
    .description('every stored account: provider, host, login, active, scopes, expiry, storage')
    .option('--json', 'machine-readable output')
    .action(execute(() => import('./commands/status.js')));

  program
    .command('logout')
    .description('forget the account on this machine (and revoke its token where possible)')
    .argument('[provider]')
    .addOption(hostname())
    .option('--user <login>', 'which account, when several are stored')
    .option('--keep-remote', 'do not revoke the token at the provider')
    .option('--all', 'sign out of every linked account')
    .action(execute(() => import('./commands/logout.js')));

  program
    .command('switch')
    .description('make another stored account of a provider the active one')
    .argument('<provider>')
    .addOption(hostname())
    .option('--user <login>', 'the account to make active')
    .action(execute(() => import('./commands/switch.js')));

  const provider = program.command('provider').description('OpenID Connect providers added by name: add, list, remove');
  provider
    .command('add')
    .description('add an OpenID Connect issuer, found by discovery')
    .argument('<name>', 'the name to use with login, e.g. "corp"')
    .requiredOption('--issuer <url>', 'the issuer URL (https, or http on a loopback address)')
    .requiredOption('--client-id <id>', "the client's id")
    .option('--client-secret <secret>', "the client's secret, for a confidential client")
    .option('--scopes <scopes>', 'scopes to ask for (default: openid,profile,email,offline_access)')
    .action(execute(() => import('./commands/provider.js').then((m) => ({ run: m.add }))));
  provider
    .command('list')
    .description('built-in providers and the ones added')
    .option('--json', 'machine-readable output')
    .action(execute(() => import('./commands/provider.js').then((m) => ({ run: m.list }))));
  provider
    .command('remove')
    .description('remove an added provider')
    .argument('<name>')
    .action(execute(() => import('./commands/provider.js').then((m) => ({ run: m.remove }))));

  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) {
      // commander has printed its message already; help and version are not errors.
      const ok = ['commander.helpDisplayed', 'commander.version', 'commander.help'].includes(error.code);
      exitCode = ok ? 0 : 2;
    } else {
      exitCode = reportError(error, { stderr: process.stderr, debug, redact: world?.redact ?? ((t) => t), loginHint: world?.loginHint });
    }
  } finally {
    process.off('SIGINT', onSigint);
  }
  return exitCode;
}

/** False for pipes, files and sockets; true for character devices (terminals, /dev/null). */
function mayBeTerminal(fd: number): boolean {
  try {
    return fstatSync(fd).isCharacterDevice();
  } catch {
    return false;
  }
}

/** Help and version text: small, written straight to fd 1 (see quietOnEpipe); a closed pipe is fine. */
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
