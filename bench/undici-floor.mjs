// The stack's own floor for a listing, run by bench/run.mjs: Node and undici (through its public
// entry point) fetch page 1, then the other pages with as many in flight as oauthcli allows, and
// throw the bodies away. No CLI, no keychain, no scanning, no output: what is left of oauthcli's
// time above this is oauthcli's own. Pages are asked for gzipped and decoded whole, as oauthcli does.
// Usage: node undici-floor.mjs URL TOKEN PAGES CONCURRENCY
import v8 from 'node:v8';
import { gunzipSync } from 'node:zlib';
import { Agent, request } from 'undici';

// As src/v8-flags.ts does: no background recompilation of llhttp's WebAssembly to wait for,
// and a listing's heap kept small.
v8.setFlagsFromString('--wasm-tiering-budget=2000000000');
v8.setFlagsFromString('--wasm-tier-up-filter=1000000');
v8.setFlagsFromString('--semi-space-growth-factor=1');
v8.setFlagsFromString('--heap-growing-percent=20');

const [url, token, pages, concurrency] = process.argv.slice(2);
const dispatcher = new Agent();
const page = async (n) => {
  const u = new URL(url);
  if (n > 1) u.searchParams.set('page', String(n));
  const res = await request(u, { dispatcher, headers: { authorization: `Bearer ${token}`, 'user-agent': 'bench', 'accept-encoding': 'gzip, deflate, br' } });
  if (res.statusCode !== 200) throw new Error(`page ${n}: HTTP ${res.statusCode}`);
  const chunks = [];
  for await (const chunk of res.body) chunks.push(chunk);
  if (res.headers['content-encoding'] !== 'gzip') return;
  // As src/http/client.ts decodes: in one call, into a 1 MB buffer.
  gunzipSync(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks), { chunkSize: 1024 * 1024 });
};
await page(1);
let next = 2;
const worker = async () => {
  while (next <= Number(pages)) await page(next++);
};
await Promise.all(Array.from({ length: Number(concurrency) }, worker));
await dispatcher.close();
