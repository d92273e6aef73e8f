// `npm run bench` (= `npm run build && node bench/run.mjs`): prints figures, asserts nothing.
//
// 1. Start-up: wall time of `oauthcli --version` and `oauthcli --help` against `node -e 0` on the
//    same Node, runs interleaved, median of BENCH_STARTUP_RUNS (default 21).
// 2. `oauthcli repos --json` against the local fake GitHub (test/support/github-server.ts, loaded
//    with Node's built-in type stripping) holding 5,000 repositories of GitHub's real shape
//    (~6.5 KB each, ~28 MB in all), 50 ms added to every request: wall time (median and best of
//    BENCH_REPOS_RUNS, default 3), requests, and peak RSS (from separate runs under
//    /usr/bin/time -f %M, so the wrapper is not timed) of the CLI, against the same listing read
//    page by page in the same run, both by the CLI with OAUTHCLI_PAGE_CONCURRENCY=1 and by a
//    sequential rel="next" loop (what `gh api --paginate` does). The output goes to a file and is
//    checked: 5,000 repositories, in order. The fake server is warmed up first (it caches each
//    repository's JSON), so the figures are the CLI's, not the fake's.
//
// Everything runs in a throw-away sandbox (HOME, XDG dirs, OAUTHCLI_CONFIG_DIR) and signs in with
// the device flow and --insecure-storage, so no keychain or Secret Service is needed or touched.
// Environment: BENCH_REPOS (5000), BENCH_LATENCY_MS (50), BENCH_STARTUP_RUNS, BENCH_REPOS_RUNS.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, openSync, closeSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const cli = join(root, 'bin', 'oauthcli.js');
const REPOS = Number(process.env.BENCH_REPOS ?? 5000);
const LATENCY_MS = Number(process.env.BENCH_LATENCY_MS ?? 50);
const STARTUP_RUNS = Number(process.env.BENCH_STARTUP_RUNS ?? 21);
const REPOS_RUNS = Number(process.env.BENCH_REPOS_RUNS ?? 3);
const TIME = '/usr/bin/time';
const haveTime = existsSync(TIME);

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const ms = (x) => `${x.toFixed(x < 100 ? 1 : 0)} ms`;
const mib = (kb) => (kb === undefined ? 'n/a' : `${(kb / 1024).toFixed(1)} MiB`);
const verdict = (ok) => (ok ? 'met' : 'NOT met');

const os = await import('node:os');
const load = () => os.loadavg().map((l) => l.toFixed(2)).join(' ');
console.log(`oauthcli bench — Node ${process.version}, ${process.platform}/${process.arch}, ${os.cpus().length} CPUs, load average ${load()}`);
console.log('(wall times are sensitive to other work on the machine: compare figures from the same run)');

// ---------------------------------------------------------------------------------------------
// 1. Start-up
// ---------------------------------------------------------------------------------------------
{
  const cases = [
    { name: 'node -e 0', args: ['-e', '0'] },
    { name: 'oauthcli --version', args: [cli, '--version'] },
    { name: 'oauthcli --help', args: [cli, '--help'] },
  ];
  // Warm the file cache (and Node's compile cache, where enabled) as a user's second run would.
  for (const c of cases) spawnSync(process.execPath, c.args, { stdio: 'ignore' });
  const times = cases.map(() => []);
  for (let i = 0; i < STARTUP_RUNS; i++) {
    cases.forEach((c, j) => {
      const started = process.hrtime.bigint();
      const res = spawnSync(process.execPath, c.args, { stdio: ['ignore', 'pipe', 'pipe'] });
      times[j].push(Number(process.hrtime.bigint() - started) / 1e6);
      if (res.status !== 0) throw new Error(`${c.name} failed: ${res.stderr}`);
    });
  }
  const medians = times.map(median);
  console.log(`\nStart-up (median of ${STARTUP_RUNS} interleaved runs, stdout a pipe)`);
  cases.forEach((c, j) => {
    const ratio = medians[j] / medians[0];
    const target = j === 0 ? '' : `  target ≤ 1.50×: ${verdict(ratio <= 1.5)}`;
    console.log(`  ${c.name.padEnd(20)} ${ms(medians[j]).padStart(9)}  ${ratio.toFixed(2)}×${target}`);
  });
}

// ---------------------------------------------------------------------------------------------
// 2. repos
// ---------------------------------------------------------------------------------------------
const { startFakeGitHub } = await import(pathToFileURL(join(root, 'test', 'support', 'github-server.ts')).href);
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
  HOME: home,
  XDG_CONFIG_HOME: join(home, '.config'),
  XDG_DATA_HOME: join(home, '.local', 'share'),
  XDG_CACHE_HOME: join(home, '.cache'),
  XDG_STATE_HOME: join(home, '.local', 'state'),
  OAUTHCLI_CONFIG_DIR: join(sandbox, 'config'),
  OAUTHCLI_GITHUB_CLIENT_ID: 'test-client-id',
});

const server = await startFakeGitHub({ device: { pendingPolls: 0 } });
const repoRequests = () => server.requestCount('/api/v3/user/repos', 'GET');

/** Runs the CLI to completion without blocking this process (the server lives here). */
function runCli(args, { extraEnv = {}, stdoutFile, measure = false } = {}) {
  return new Promise((resolvePromise, reject) => {
    const timeFile = join(sandbox, 'time.txt');
    const useTime = measure && haveTime;
    const command = useTime ? TIME : process.execPath;
    const argv = useTime ? ['-f', '%M', '-o', timeFile, process.execPath, cli, ...args] : [cli, ...args];
    const out = stdoutFile ? openSync(stdoutFile, 'w') : 'pipe';
    const started = process.hrtime.bigint();
    const child = spawn(command, argv, { env: { ...env, ...extraEnv }, stdio: ['ignore', out, 'pipe'] });
    let stderr = '';
    let stdout = '';
    child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
    child.stdout?.setEncoding('utf8').on('data', (d) => (stdout += d));
    child.once('error', reject);
    child.once('close', (code) => {
      const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
      if (typeof out === 'number') closeSync(out);
      const maxRssKb = useTime ? Number(readFileSync(timeFile, 'utf8').trim().split('\n').at(-1)) : undefined;
      resolvePromise({ code, wallMs, stderr, stdout, maxRssKb });
    });
  });
}

try {
  const login = await runCli(['login', 'github', '--device', '--no-browser', '--insecure-storage', '--hostname', server.host]);
  if (login.code !== 0) throw new Error(`sign-in against the fake server failed: ${login.stderr}`);
  const token = server.grants[0].access_token;

  server.setRepos('octocat', REPOS);
  // Warm the fake server up: every repository's JSON made once (it caches them), and its code run
  // hot, also for 8 requests at once on fresh connections, so that no run pays for that.
  const base = `${server.url}/api/v3/user/repos?per_page=100`;
  const pages = Math.ceil(REPOS / 100);
  for (let round = 0; round < 3; round++) {
    for (let page = 1; page <= pages; page += 8) {
      const batch = Array.from({ length: Math.min(8, pages - page + 1) }, (_, k) => page + k);
      await Promise.all(batch.map(async (p) => (await fetch(`${base}&page=${p}`, { headers: { authorization: `Bearer ${token}`, connection: 'close' } })).arrayBuffer()));
    }
  }
  server.setOptions({ latencyMs: LATENCY_MS });

  const outFile = join(sandbox, 'repos.json');
  const measureCli = async (label, extraEnv) => {
    // Wall time without a wrapper process; peak RSS from separate runs under /usr/bin/time.
    const runs = [];
    for (let i = 0; i < REPOS_RUNS; i++) {
      const before = repoRequests();
      const res = await runCli(['repos', '--json', '--hostname', server.host], { extraEnv, stdoutFile: outFile });
      if (res.code !== 0) throw new Error(`${label}: exit ${res.code}: ${res.stderr}`);
      const requests = repoRequests() - before;
      runs.push({ ...res, requests });
    }
    const rss = [];
    for (let i = 0; haveTime && i < Math.min(REPOS_RUNS, 3); i++) {
      const res = await runCli(['repos', '--json', '--hostname', server.host], { extraEnv, stdoutFile: outFile, measure: true });
      if (res.code !== 0) throw new Error(`${label}: exit ${res.code}: ${res.stderr}`);
      rss.push(res.maxRssKb);
    }
    const list = JSON.parse(readFileSync(outFile, 'utf8'));
    if (!Array.isArray(list) || list.length !== REPOS || list[0].name !== 'repo-0001' || list.at(-1).name !== `repo-${String(REPOS).padStart(4, '0')}`) {
      throw new Error(`${label}: the output is not the ${REPOS} repositories in order`);
    }
    return {
      label,
      wallMs: median(runs.map((r) => r.wallMs)),
      bestMs: Math.min(...runs.map((r) => r.wallMs)),
      requests: runs[0].requests,
      maxRssKb: haveTime ? Math.max(...rss) : undefined,
      bytes: statSync(outFile).size,
      summary: runs[0].stderr.trim(),
    };
  };

  const parallel = await measureCli('oauthcli repos --json (parallel, 8 in flight)', {});
  const oneByOne = await measureCli('oauthcli repos --json, OAUTHCLI_PAGE_CONCURRENCY=1', { OAUTHCLI_PAGE_CONCURRENCY: '1' });

  // What `gh api --paginate /user/repos` does: follow rel="next", one request at a time.
  const loopRuns = [];
  for (let i = 0; i < REPOS_RUNS; i++) {
    const before = repoRequests();
    const started = process.hrtime.bigint();
    let url = base;
    let count = 0;
    while (url) {
      const res = await fetch(url, { headers: { authorization: `Bearer ${token}`, accept: 'application/vnd.github+json' } });
      count += (await res.json()).length;
      url = /<([^>]+)>;\s*rel="next"/.exec(res.headers.get('link') ?? '')?.[1];
    }
    if (count !== REPOS) throw new Error(`sequential loop read ${count} repositories`);
    loopRuns.push({ wallMs: Number(process.hrtime.bigint() - started) / 1e6, requests: repoRequests() - before });
  }
  const loop = {
    label: 'sequential rel="next" fetch loop (in-process)',
    wallMs: median(loopRuns.map((r) => r.wallMs)),
    bestMs: Math.min(...loopRuns.map((r) => r.wallMs)),
    requests: loopRuns[0].requests,
  };

  console.log(
    `\nrepos: ${REPOS.toLocaleString('en-US')} repositories (${(parallel.bytes / 1e6).toFixed(1)} MB of JSON), ${LATENCY_MS} ms per request, median of ${REPOS_RUNS} runs`,
  );
  console.log(`  sandbox: ${sandbox} (signed in with --insecure-storage: no keychain needed)`);
  for (const r of [parallel, oneByOne, loop]) {
    const rss = 'maxRssKb' in r ? `  peak RSS ${mib(r.maxRssKb)}` : '';
    console.log(`  ${r.label.padEnd(52)} ${ms(r.wallMs).padStart(9)} (best ${ms(r.bestMs)})  ${String(r.requests).padStart(3)} requests${rss}`);
  }
  console.log(`  stderr summary: "${parallel.summary}"`);
  console.log(`  load average after: ${load()}`);
  const speedup = oneByOne.wallMs / parallel.wallMs;
  const speedupLoop = loop.wallMs / parallel.wallMs;
  console.log('\nTargets');
  console.log(`  wall time < 500 ms:                  ${ms(parallel.wallMs)} median, ${ms(parallel.bestMs)} best — ${verdict(parallel.wallMs < 500)}`);
  console.log(`  ≥ 5× faster than page by page:       ${speedup.toFixed(1)}× vs the CLI at concurrency 1, ${speedupLoop.toFixed(1)}× vs the fetch loop — ${verdict(speedup >= 5)}`);
  console.log(`  peak RSS < 120 MiB:                  ${mib(parallel.maxRssKb)} — ${haveTime ? verdict(parallel.maxRssKb / 1024 < 120) : 'not measured (no /usr/bin/time)'}`);
} finally {
  await server.close();
  rmSync(sandbox, { recursive: true, force: true });
}
