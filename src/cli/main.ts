// Entry point. `--version` answers before anything else loads: start-up is part of the product.
const argv = process.argv.slice(2);
if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-V')) {
  process.stdout.write(`${__OAUTHCLI_VERSION__}\n`);
} else {
  const { run } = await import('./program.js');
  process.exitCode = await run(argv);
}
export {};
