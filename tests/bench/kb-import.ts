/**
 * `npm run bench:kb-import [-- --articles 10000]`: whether the server keeps answering while it imports a large
 * knowledge base. Writes a synthetic JSONL (10,000 articles of ~380 words, 27 MB by default), starts the real
 * server on a temporary SQLite file, posts the file to POST /v1/admin/kb/import, and meanwhile asks GET /v1/health
 * every 50 ms. The server and the prober share this process, so a blocked server also delays the next probe: what
 * counts is the longest time between two answers (`longest_silence_ms`), which a blocked event loop stretches
 * whichever side it holds up. Prints one JSON line: the import's size and time, the health checks answered during it
 * and that longest silence.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../../backend/config.ts';
import { startServer } from '../../backend/server.ts';
import { createApiKey } from '../../backend/store/api-keys.ts';
import { prng } from '../../backend/prng.ts';

const { values } = parseArgs({ options: { articles: { type: 'string', default: '10000' } } });
const articles = Number(values.articles);
if (!Number.isInteger(articles) || articles < 1) {
  console.error('Usage: npm run bench:kb-import [-- --articles N]');
  process.exit(2);
}

const dir = mkdtempSync(join(tmpdir(), 'aitl-bench-kb-'));
try {
  const random = prng(7);
  const vocabulary = Array.from({ length: 20_000 }, () =>
    Array.from({ length: 3 + Math.floor(random() * 7) }, () => String.fromCharCode(97 + Math.floor(random() * 26))).join(''),
  );
  const words = (n: number) => Array.from({ length: n }, () => vocabulary[Math.floor(random() * vocabulary.length)]).join(' ');
  const file = join(dir, 'articles.jsonl');
  writeFileSync(file, Array.from({ length: articles }, (_, i) => JSON.stringify({ id: `a${i}`, title: words(6), body: words(380) })).join('\n'));
  const body = readFileSync(file);

  const server = await startServer(
    loadConfig({ AITL_PORT: '0', AITL_DATABASE_URL: join(dir, 'aitl.db'), AITL_LOG_LEVEL: 'silent', AITL_DEMO: 'false' }),
  );
  try {
    const { key } = await createApiKey(server.deps.store.db, { tenant: 'bench', role: 'admin' });
    const answeredAt: number[] = [];
    let importing = true;
    const t0 = performance.now();
    const probe = (async () => {
      while (importing) {
        await fetch(`${server.url}/v1/health`);
        answeredAt.push(performance.now());
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    const response = await fetch(`${server.url}/v1/admin/kb/import`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/x-ndjson' },
      body,
    });
    const summary = (await response.json()) as { passages?: number };
    const importMs = performance.now() - t0;
    importing = false;
    await probe;
    const times = [t0, ...answeredAt];
    const silences = times.slice(1).map((t, i) => t - times[i]!);
    console.log(
      JSON.stringify({
        status: response.status,
        bytes: body.length,
        articles,
        passages: summary.passages,
        import_ms: Math.round(importMs),
        health_answers: answeredAt.length,
        longest_silence_ms: Math.round(Math.max(0, ...silences)),
      }),
    );
  } finally {
    await server.close();
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
