// `npm run bench` (= `npm run build && node bench/run.mjs`): prints figures beside their targets,
// asserts nothing. Wall times move with whatever else the machine does, so every figure is a
// ratio to something measured in the same run: `node -e 0` for start-up; gh and the network
// floor for `repos`.
//
// 1. Start-up, median of BENCH_STARTUP_RUNS (21) interleaved runs: `node -e 0`, `--version`,
//    `--help` into a pipe and onto a character device (what a terminal is), `token` with a fresh
//    token (one keychain read, no request), `status --offline`, and `git-credential get` (run by
//    git on every fetch). Targets: --version and --help ≤ 1.5×; token and status --offline ≤ 2×;
//    git-credential get ≤ 2.5×.
// 2. `repos --json` for BENCH_REPOS (5,000) repositories of GitHub's real shape (the recorded
//    `get-repository` object of @octokit/fixtures, ~6.5 KB each) from the fake GitHub, 50 ms added
//    to every request, as a repeat listing (its page count remembered from the one before, so
//    pages 2-17 go with page 1) and as a first listing (nothing remembered), beside:
//    - Debian's `gh api --paginate` against the same server (GH_HOST=github.localhost with the
//      fake as its HTTP_PROXY: the fake answers GitHub's root API paths for api.github.localhost);
//    - the network floor: page 1 with curl, then every other page at once with `curl --parallel`;
//    - the stack's floor: Node and undici alone fetching and discarding the same pages with the
//      same concurrency (bench/undici-floor.mjs), which tells oauthcli's own cost from the stack's.
//    Each is run once per round, for BENCH_REPOS_RUNS (5) interleaved rounds; medians are shown.
//    Targets: ≥ 5× faster than gh; ≤ 2× the floor; peak RSS < 120 MiB; 50,000 repositories in
//    about the same peak RSS as 5,000.
// 3. `api --paginate user/repos` for BENCH_API_ITEMS (3,000) repositories at the same 50 ms a
//    request, beside `gh api --paginate user/repos` against the same server, BENCH_API_RUNS (5)
//    interleaved rounds: the pages after the first go together (page 1's Link names the last),
//    printed in order; as a repeat listing (page count remembered) and as a first one. Peak RSS for 3,000 and for BENCH_BIG_REPOS (50,000), and gh's for 3,000.
//    Targets: ≥ 4× faster than gh; peak RSS < 120 MiB; 50,000 in about the same peak RSS.
//
// BENCH_ONLY=api (or startup, repos; comma-separated) runs only those parts. BENCH_BASELINE=
// path/to/another/checkout/bin/oauthcli.js adds that build's `repos --json` to the same rounds.
//
// The keychain figures need a Secret Service. With gnome-keyring-daemon and dbus-run-session on
// the machine, the bench runs itself on a private D-Bus session bus (.ci/with-keyring) with a
// throw-away, unlocked keyring (nothing of the user's is read or touched); otherwise it signs in with
// --insecure-storage and says so. Everything else runs in a throw-away sandbox too.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, statSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const cli = join(root, 'bin', 'oauthcli.js');
const REPOS = Number(process.env.BENCH_REPOS ?? 5000);
const BIG_REPOS = Number(process.env.BENCH_BIG_REPOS ?? 50_000);
const LATENCY_MS = Number(process.env.BENCH_LATENCY_MS ?? 50);
const STARTUP_RUNS = Number(process.env.BENCH_STARTUP_RUNS ?? 21);
const REPOS_RUNS = Number(process.env.BENCH_REPOS_RUNS ?? 5);
const API_ITEMS = Number(process.env.BENCH_API_ITEMS ?? 3000);
const API_RUNS = Number(process.env.BENCH_API_RUNS ?? 5);
const BASELINE = process.env.BENCH_BASELINE ? resolve(process.env.BENCH_BASELINE) : undefined;
const ONLY = process.env.BENCH_ONLY ? new Set(process.env.BENCH_ONLY.split(',').map((part) => part.trim())) : undefined;
const part = (name) => !ONLY || ONLY.has(name);
const TIME = '/usr/bin/time';

const has = (command) => spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;

// A private keyring: re-run on a private D-Bus session bus once, with a fresh HOME for the keyring's files.
if (!process.env.OAUTHCLI_BENCH_SESSION && has('dbus-run-session') && has('gnome-keyring-daemon')) {
  const home = mkdtempSync(join(tmpdir(), 'oauthcli-bench-home-'));
  const withKeyring = join(root, '.ci', 'with-keyring');
  const res = spawnSync(withKeyring, [process.execPath, fileURLToPath(import.meta.url)], { stdio: 'inherit', env: { ...process.env, HOME: home, OAUTHCLI_BENCH_SESSION: 'keyring' } });
  rmSync(home, { recursive: true, force: true });
  process.exit(res.status ?? 1);
}
const keychain = process.env.OAUTHCLI_BENCH_SESSION === 'keyring';

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const ms = (x) => `${x.toFixed(x < 100 ? 1 : 0)} ms`;
const mib = (kb) => (kb === undefined ? 'n/a' : `${(kb / 1024).toFixed(1)} MiB`);
const verdict = (ok) => (ok ? 'met' : 'NOT met');
const load = () => loadavg().map((l) => l.toFixed(2)).join(' ');

console.log(`oauthcli bench — Node ${process.version}, ${process.platform}/${process.arch}, ${cpus().length} CPUs, load average ${load()}`);
console.log('(wall times move with other work on the machine: compare the ratios, which are from the same run)');

// ---------------------------------------------------------------------------------------------
// The sandbox and the fake GitHub
// ---------------------------------------------------------------------------------------------
const sandbox = mkdtempSync(join(tmpdir(), 'oauthcli-bench-'));
const home = join(sandbox, 'home');
mkdirSync(home, { recursive: true });
const env = {};
for (const [k, v] of Object.entries(process.env)) {
  const K = k.toUpperCase();
  if (K.includes('TOKEN') || K.startsWith('GH_') || K.startsWith('GITHUB_') || K.startsWith('OAUTHCLI_') || ['BROWSER', 'CI', 'NO_COLOR', 'FORCE_COLOR'].includes(K)) continue;
  env[k] = v;
}
Object.assign(env, {
  XDG_CONFIG_HOME: join(home, '.config'),
  XDG_CACHE_HOME: join(home, '.cache'),
  OAUTHCLI_CONFIG_DIR: join(sandbox, 'config'),
  OAUTHCLI_GITHUB_CLIENT_ID: 'test-client-id',
});
if (!keychain) env.HOME = home;

const { startFakeGitHub } = await import(pathToFileURL(join(root, 'test', 'support', 'github-server.ts')).href);
const server = await startFakeGitHub({ device: { pendingPolls: 0 } });
const repoRequests = () => server.requestCount('/api/v3/user/repos', 'GET');

/** Runs a command to completion without blocking this process (the fake server lives here). */
function run(command, args, { extraEnv = {}, stdoutFile, input } = {}) {
  return new Promise((resolvePromise, reject) => {
    const out = stdoutFile ? openSync(stdoutFile, 'w') : 'pipe';
    const started = process.hrtime.bigint();
    const child = spawn(command, args, { env: { ...env, ...extraEnv }, stdio: ['pipe', out, 'pipe'] });
    let stderr = '';
    let stdout = '';
    child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
    child.stdout?.setEncoding('utf8').on('data', (d) => (stdout += d));
    child.stdin.end(input ?? '');
    child.once('error', reject);
    child.once('close', (code) => {
      const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
      if (typeof out === 'number') closeSync(out);
      resolvePromise({ code, wallMs, stderr, stdout });
    });
  });
}
const runCli = (args, options) => run(process.execPath, [cli, ...args], options);

/**
 * Peak RSS in KiB of `node script ...args` (the CLI by default), from GNU time (its own process
 * is not the one timed): the median of 3 runs, as it moves by ±15% from run to run.
 */
async function peakRss(args, options, script = cli) {
  return peakRssOf([process.execPath, script, ...args], options);
}

/** Peak RSS in KiB of any command (`[file, ...args]`), as peakRss. */
async function peakRssOf(command, options) {
  if (!existsSync(TIME)) return undefined;
  const timeFile = join(sandbox, 'time.txt');
  const args = command.slice(1);
  const peaks = [];
  for (let i = 0; i < 3; i++) {
    const res = await run(TIME, ['-f', '%M', '-o', timeFile, ...command], options);
    if (res.code !== 0) throw new Error(`${args.join(' ')}: exit ${res.code}: ${res.stderr}`);
    peaks.push(Number(readFileSync(timeFile, 'utf8').trim().split('\n').at(-1)));
  }
  return median(peaks);
}

try {
  const login = await runCli(['login', 'github', '--device', '--no-browser', '--hostname', server.host, ...(keychain ? [] : ['--insecure-storage'])]);
  if (login.code !== 0) throw new Error(`sign-in against the fake server failed: ${login.stderr}`);
  const token = server.grants[0].access_token;

  // -------------------------------------------------------------------------------------------
  // 1. Start-up
  // -------------------------------------------------------------------------------------------
  if (part('startup')) {
    const gitInput = `protocol=http\nhost=${server.host}\n\n`;
    const cases = [
      { name: 'node -e 0', args: ['-e', '0'] },
      { name: 'oauthcli --version', args: [cli, '--version'], target: 1.5 },
      { name: 'oauthcli --help (pipe)', args: [cli, '--help'], target: 1.5 },
      { name: 'oauthcli --help (terminal)', args: [cli, '--help'], stdout: '/dev/null', target: 1.5 },
      { name: 'oauthcli token', args: [cli, 'token', '--hostname', server.host], target: 2 },
      { name: 'oauthcli status --offline', args: [cli, 'status', '--offline'], target: 2 },
      { name: 'oauthcli git-credential get', args: [cli, 'git-credential', 'get'], input: gitInput, target: 2.5 },
    ];
    const once = (c) => {
      const out = c.stdout ? openSync(c.stdout, 'w') : 'pipe';
      const started = process.hrtime.bigint();
      const res = spawnSync(process.execPath, c.args, { env, input: c.input ?? '', stdio: ['pipe', out, 'pipe'] });
      const took = Number(process.hrtime.bigint() - started) / 1e6;
      if (typeof out === 'number') closeSync(out);
      if (res.status !== 0) throw new Error(`${c.name} failed: ${res.stderr}`);
      return { took, stdout: String(res.stdout ?? '') };
    };
    // Sanity: the fresh token comes out, and git gets a password, with no request to the server.
    const before = server.requests.length;
    // spawnSync blocks this process, so the fake server could not answer: these must need none.
    if (once(cases[4]).stdout.trim() !== token) throw new Error('token did not print the token');
    if (!once(cases[6]).stdout.includes(`password=${token}`)) throw new Error('git-credential get did not answer');
    if (server.requests.length !== before) throw new Error('a fresh token should need no request');
    for (const c of cases) once(c); // warm the file cache and Node's compile cache, as a second run would
    const times = cases.map(() => []);
    for (let i = 0; i < STARTUP_RUNS; i++) cases.forEach((c, j) => times[j].push(once(c).took));
    const medians = times.map(median);
    console.log(`\nStart-up (median of ${STARTUP_RUNS} interleaved runs; keychain: ${keychain ? 'a private GNOME Keyring (Secret Service)' : 'none here: an --insecure-storage file instead'})`);
    cases.forEach((c, j) => {
      const ratio = medians[j] / medians[0];
      const target = c.target ? `  target ≤ ${c.target.toFixed(2)}×: ${verdict(ratio <= c.target)}` : '';
      console.log(`  ${c.name.padEnd(30)} ${ms(medians[j]).padStart(9)}  ${ratio.toFixed(2)}×${target}`);
    });
  }

  // -------------------------------------------------------------------------------------------
  // 2. repos, beside gh and the network floor
  // -------------------------------------------------------------------------------------------
  const warm = async (count) => {
    server.setOptions({ latencyMs: 0 });
    server.setRepos('octocat', count);
    // Every repository's JSON made once (the fake caches them) and its code hot, so the figures are the client's.
    const pages = Math.ceil(count / 100);
    for (let round = 0; round < 2; round++) {
      for (let page = 1; page <= pages; page += 8) {
        const batch = Array.from({ length: Math.min(8, pages - page + 1) }, (_, k) => page + k);
        await Promise.all(batch.map(async (p) => (await fetch(`${server.url}/api/v3/user/repos?per_page=100&page=${p}`, { headers: { authorization: `Bearer ${token}` } })).arrayBuffer()));
      }
    }
    server.setOptions({ latencyMs: LATENCY_MS });
  };
  const outFile = join(sandbox, 'repos.json');
  const checkListing = (label, count) => {
    const list = JSON.parse(readFileSync(outFile, 'utf8'));
    if (!Array.isArray(list) || list.length !== count || list[0].name !== 'repo-0001' || list.at(-1).name !== `repo-${String(count).padStart(4, '0')}`) {
      throw new Error(`${label}: the output is not the ${count} repositories in order`);
    }
  };

  // gh, as a user would run it: gh sends its requests for api.github.localhost to the fake as if it were a proxy.
  const ghEnv = {
    GH_HOST: 'github.localhost',
    HTTP_PROXY: `http://127.0.0.1:${server.port}`,
    GH_TOKEN: token,
    GH_CONFIG_DIR: join(sandbox, 'gh'),
    GH_NO_UPDATE_NOTIFIER: '1',
    NO_COLOR: '1',
  };
  /** gh's output for `count` repositories checked: gh 2.23 prints each page's array after the last ("][" between pages). */
  const checkGhListing = (label, count) => {
    const text = readFileSync(outFile, 'utf8');
    const list = JSON.parse(`[${text.replace(/\]\s*\[/g, ',').replace(/^\s*\[|\]\s*$/g, '')}]`);
    if (list.length !== count || list[0].name !== 'repo-0001') throw new Error(`${label}: listed ${list.length} repositories`);
  };

  // (read from the source: src/ is bundled for Node, not importable by it as it stands)
  const DEFAULT_PAGE_CONCURRENCY = Number(/DEFAULT_PAGE_CONCURRENCY = (\d+)/.exec(readFileSync(join(root, 'src', 'http', 'paginate.ts'), 'utf8'))?.[1]);

  // What a listing remembers for the next time (its page count: src/store/listing-pages.ts).
  const listingCache = join(env.XDG_CACHE_HOME, 'oauthcli', 'listing-pages.json');

  if (part('repos')) {
    await warm(REPOS);
    const rss = await peakRss(['repos', '--json', '--hostname', server.host], { stdoutFile: outFile });

    // The network floor: page 1, then every other page at once, compressed as oauthcli and gh ask
    // (the same bytes on the wire; curl prints how many).
    const pages = Math.ceil(REPOS / 100);
    const pageUrl = (p) => `${server.url}/api/v3/user/repos?per_page=100&page=${p}`;
    const curl = ['-sSf', '--compressed', '-w', '%{size_download}\n', '-H', `Authorization: Bearer ${token}`];
    // The stack's floor: Node + undici alone, same pages, same concurrency, bodies discarded.
    const stackScript = join(root, 'bench', 'undici-floor.mjs');
    const stackArgs = (count) => [`${server.url}/api/v3/user/repos?per_page=100`, token, String(Math.ceil(count / 100)), String(DEFAULT_PAGE_CONCURRENCY)];

    const listOurs = async (label, build = cli) => {
      const before = repoRequests();
      const res = await run(process.execPath, [build, 'repos', '--json', '--hostname', server.host], { stdoutFile: outFile });
      if (res.code !== 0) throw new Error(`${label}: exit ${res.code}: ${res.stderr}`);
      checkListing(label, REPOS);
      return { ...res, requests: repoRequests() - before, bytes: statSync(outFile).size };
    };
    const contenders = {
      // A repeat listing: the page count is remembered from the one before.
      ours: () => listOurs('oauthcli repos --json'),
      // Another build (BENCH_BASELINE=path/to/bin/oauthcli.js), its page count remembered as well.
      ...(BASELINE ? { baseline: () => listOurs('the baseline build', BASELINE) } : {}),
      // The first listing: nothing remembered, so pages 2-50 wait for page 1's answer.
      async oursFirst() {
        rmSync(listingCache, { force: true });
        return listOurs('oauthcli repos --json (first time)');
      },
      async gh() {
        const first = server.requests.length;
        const res = await run('gh', ['api', '--paginate', 'user/repos?per_page=100'], { extraEnv: ghEnv, stdoutFile: outFile });
        if (res.code !== 0) throw new Error(`gh api: exit ${res.code}: ${res.stderr}`);
        checkGhListing('gh api --paginate', REPOS);
        return { ...res, coding: server.requests.at(first)?.headers['accept-encoding']?.includes('gzip') ? 'gzip' : 'uncompressed' };
      },
      async floor() {
        const started = process.hrtime.bigint();
        const one = await run('curl', [...curl, '-o', join(sandbox, 'floor-1.json'), pageUrl(1)]);
        const rest = Array.from({ length: pages - 1 }, (_, k) => ['-o', join(sandbox, `floor-${k + 2}.json`), pageUrl(k + 2)]).flat();
        const all = await run('curl', [...curl, '--parallel', '--parallel-immediate', '--parallel-max', '300', ...rest]);
        if (one.code !== 0 || all.code !== 0) throw new Error(`curl failed: ${one.stderr}${all.stderr}`);
        const wireBytes = `${one.stdout}${all.stdout}`.trim().split('\n').reduce((n, line) => n + Number(line), 0);
        return { wallMs: Number(process.hrtime.bigint() - started) / 1e6, wireBytes };
      },
      async stack() {
        const res = await run(process.execPath, [stackScript, ...stackArgs(REPOS)]);
        if (res.code !== 0) throw new Error(`undici floor: exit ${res.code}: ${res.stderr}`);
        return res;
      },
    };
    if (!has('gh')) delete contenders.gh;
    if (!has('curl')) delete contenders.floor;
    // Interleaved rounds (each contender once a round): a machine that slows down for a while
    // slows every contender, instead of whichever was running then.
    const runs = Object.fromEntries(Object.keys(contenders).map((name) => [name, []]));
    for (let round = 0; round < REPOS_RUNS; round++) {
      for (const [name, once] of Object.entries(contenders)) runs[name].push(await once());
    }
    const summary = (list) => ({ wallMs: median(list.map((r) => r.wallMs)), bestMs: Math.min(...list.map((r) => r.wallMs)) });
    const ours = runs.ours;
    const bytes = ours[0].bytes;
    const gh = runs.gh && { ...summary(runs.gh), coding: runs.gh[0].coding, version: execFileSync('gh', ['--version'], { encoding: 'utf8' }).split('\n')[0] };
    const floor = runs.floor && { ...summary(runs.floor), wireBytes: runs.floor[0].wireBytes };
    const stack = { ...summary(runs.stack), rss: await peakRss(stackArgs(REPOS), {}, stackScript) };

    // Memory for ten times the listing: oauthcli's, and the stack's own (Node + undici, bodies discarded).
    await warm(BIG_REPOS);
    const bigRss = await peakRss(['repos', '--json', '--hostname', server.host], { stdoutFile: outFile });
    checkListing('oauthcli repos --json (large)', BIG_REPOS);
    const bigStackRss = await peakRss(stackArgs(BIG_REPOS), {}, stackScript);

    const oursMs = median(ours.map((r) => r.wallMs));
    const firstMs = median(runs.oursFirst.map((r) => r.wallMs));
    const wire = floor?.wireBytes ? `, ${(floor.wireBytes / 1e6).toFixed(1)} MB gzipped on the wire` : '';
    console.log(`\nrepos --json: ${REPOS.toLocaleString('en-US')} repositories (${(bytes / 1e6).toFixed(1)} MB of JSON${wire}), ${LATENCY_MS} ms per request, median of ${REPOS_RUNS} interleaved rounds (peak RSS: median of 3)`);
    console.log(`  oauthcli repos --json           ${ms(oursMs).padStart(9)} (best ${ms(Math.min(...ours.map((r) => r.wallMs)))})  ${ours[0].requests} requests, ≤ ${DEFAULT_PAGE_CONCURRENCY} in flight, page count remembered  peak RSS ${mib(rss)}`);
    if (runs.baseline) {
      const baseMs = median(runs.baseline.map((r) => r.wallMs));
      console.log(`    the baseline build              ${ms(baseMs).padStart(9)} (best ${ms(Math.min(...runs.baseline.map((r) => r.wallMs)))})  ${BASELINE}: this build takes ${(oursMs / baseMs).toFixed(2)}× its time`);
    }
    console.log(`    the first time                 ${ms(firstMs).padStart(9)} (best ${ms(Math.min(...runs.oursFirst.map((r) => r.wallMs)))})  nothing remembered: pages 2-${pages} wait for page 1`);
    if (gh) console.log(`  gh api --paginate (${gh.version.replace('gh version ', 'gh ')}) ${ms(gh.wallMs).padStart(9)} (best ${ms(gh.bestMs)})  one request at a time, ${gh.coding}`);
    else console.log('  gh api --paginate               not installed (apt-get install gh)');
    if (floor) console.log(`  network floor (curl --parallel)  ${ms(floor.wallMs).padStart(9)} (best ${ms(floor.bestMs)})  page 1, then all ${Math.ceil(REPOS / 100) - 1} others at once`);
    console.log(`  Node + undici alone               ${ms(stack.wallMs).padStart(9)} (best ${ms(stack.bestMs)})  same pages and concurrency, bodies discarded (oauthcli: ${(oursMs / stack.wallMs).toFixed(2)}× this)  peak RSS ${mib(stack.rss)}`);
    console.log(`  ${BIG_REPOS.toLocaleString('en-US')} repositories: peak RSS ${mib(bigRss)}; Node + undici alone ${mib(bigStackRss)}`);
    console.log(`  stderr summary: "${ours[0].stderr.trim()}"`);
    console.log(`  load average after: ${load()}`);

    console.log('\nTargets');
    if (gh) console.log(`  ≥ 5× faster than gh api --paginate:   ${(gh.wallMs / oursMs).toFixed(1)}× — ${verdict(gh.wallMs / oursMs >= 5)} (the first time: ${(gh.wallMs / firstMs).toFixed(1)}× — ${verdict(gh.wallMs / firstMs >= 5)})`);
    if (floor) console.log(`  ≤ 2× the network floor:              ${(oursMs / floor.wallMs).toFixed(2)}× — ${verdict(oursMs / floor.wallMs <= 2)} (the first time: ${(firstMs / floor.wallMs).toFixed(2)}× — ${verdict(firstMs / floor.wallMs <= 2)})`);
    console.log(`  peak RSS < 120 MiB:                  ${mib(rss)} — ${rss === undefined ? 'not measured (no /usr/bin/time)' : verdict(rss / 1024 < 120)}`);
    if (rss && bigRss) {
      const stackGrowth = stack.rss && bigStackRss ? ` (Node + undici alone: ${(bigStackRss / stack.rss).toFixed(2)}×)` : '';
      console.log(`  ${BIG_REPOS.toLocaleString('en-US')} in about the same RSS:      ${mib(bigRss)} vs ${mib(rss)} (${(bigRss / rss).toFixed(2)}×)${stackGrowth} — ${verdict(bigRss / rss <= 1.25)}`);
    }
  }

  // -------------------------------------------------------------------------------------------
  // 3. api --paginate, beside gh api --paginate
  // -------------------------------------------------------------------------------------------
  if (part('api')) {
    const apiArgs = ['api', '--hostname', server.host, '--paginate', 'user/repos'];
    await warm(API_ITEMS);
    const listApi = async (label) => {
      const before = repoRequests();
      const res = await runCli(apiArgs, { stdoutFile: outFile });
      if (res.code !== 0) throw new Error(`${label}: exit ${res.code}: ${res.stderr}`);
      checkListing(label, API_ITEMS);
      return { ...res, requests: repoRequests() - before };
    };
    const contenders = {
      // A repeat listing: the page count is remembered from the one before, as for repos.
      ours: () => listApi('oauthcli api --paginate'),
      async oursFirst() {
        rmSync(listingCache, { force: true });
        return listApi('oauthcli api --paginate (first time)');
      },
      async gh() {
        const res = await run('gh', ['api', '--paginate', 'user/repos'], { extraEnv: ghEnv, stdoutFile: outFile });
        if (res.code !== 0) throw new Error(`gh api --paginate: exit ${res.code}: ${res.stderr}`);
        checkGhListing('gh api --paginate', API_ITEMS);
        return res;
      },
    };
    if (!has('gh')) delete contenders.gh;
    const runs = Object.fromEntries(Object.keys(contenders).map((name) => [name, []]));
    for (let round = 0; round < API_RUNS; round++) {
      for (const [name, once] of Object.entries(contenders)) runs[name].push(await once());
    }
    const oursMs = median(runs.ours.map((r) => r.wallMs));
    const firstMs = median(runs.oursFirst.map((r) => r.wallMs));
    const ghMs = runs.gh && median(runs.gh.map((r) => r.wallMs));
    const rss = await peakRss(apiArgs, { stdoutFile: outFile });
    const ghRss = runs.gh && (await peakRssOf(['gh', 'api', '--paginate', 'user/repos'], { extraEnv: ghEnv, stdoutFile: outFile }));
    await warm(BIG_REPOS);
    const bigRss = await peakRss(apiArgs, { stdoutFile: outFile });
    checkListing('oauthcli api --paginate (large)', BIG_REPOS);
    const best = (list) => ms(Math.min(...list.map((r) => r.wallMs)));

    console.log(`\napi --paginate user/repos: ${API_ITEMS.toLocaleString('en-US')} repositories, ${LATENCY_MS} ms per request, median of ${API_RUNS} interleaved rounds (peak RSS: median of 3)`);
    console.log(`  oauthcli api --paginate          ${ms(oursMs).padStart(9)} (best ${best(runs.ours)})  ${runs.ours[0].requests} requests, ≤ ${DEFAULT_PAGE_CONCURRENCY} in flight, page count remembered  peak RSS ${mib(rss)}`);
    console.log(`    the first time                 ${ms(firstMs).padStart(9)} (best ${best(runs.oursFirst)})  nothing remembered: pages 2-${Math.ceil(API_ITEMS / 100)} wait for page 1`);
    if (runs.gh) console.log(`  gh api --paginate                ${ms(ghMs).padStart(9)} (best ${best(runs.gh)})  one request at a time  peak RSS ${mib(ghRss)}`);
    else console.log('  gh api --paginate               not installed (apt-get install gh)');
    console.log(`  ${BIG_REPOS.toLocaleString('en-US')} repositories: peak RSS ${mib(bigRss)}`);
    console.log(`  load average after: ${load()}`);
    console.log('\nTargets (api --paginate)');
    if (runs.gh) console.log(`  ≥ 4× faster than gh api --paginate:   ${(ghMs / oursMs).toFixed(1)}× — ${verdict(ghMs / oursMs >= 4)} (the first time: ${(ghMs / firstMs).toFixed(1)}× — ${verdict(ghMs / firstMs >= 4)})`);
    console.log(`  peak RSS < 120 MiB:                  ${mib(rss)} — ${rss === undefined ? 'not measured (no /usr/bin/time)' : verdict(rss / 1024 < 120)}`);
    if (rss && bigRss) console.log(`  ${BIG_REPOS.toLocaleString('en-US')} in about the same RSS:      ${mib(bigRss)} vs ${mib(rss)} (${(bigRss / rss).toFixed(2)}×) — ${verdict(bigRss / rss <= 1.25)}`);
  }
} finally {
  await server.close();
  rmSync(sandbox, { recursive: true, force: true });
}
