/**
 * Starts the backend: config → store (migrated) → knowledge (demo help centre if empty; passages embedded when an
 * embeddings API is configured) → HTTP server.
 */
import { serve, type ServerType } from '@hono/node-server';
import { pino, type Logger } from 'pino';
import { createApp } from './app.ts';
import { scheduleFlywheel } from './flywheel/schedule.ts';
import type { Config } from './config.ts';
import type { AppDeps } from './deps.ts';
import { DEMO_HELP_CENTRE } from './demo/tickets.ts';
import { configuredExportJobs } from './exports/jobs.ts';
import { importKnowledge } from './kb/import.ts';
import { createEmbeddingsClient } from './llm/embeddings.ts';
import { createLlmReplyGenerator } from './rag/model-replies.ts';
import { createQueryEmbedder, embedMissingPassages } from './rag/dense.ts';
import { createKnowledge } from './rag/knowledge.ts';
import { openStore } from './store/connect.ts';
import { countPassages, latestImports } from './store/passages.ts';
import { SHARED_KNOWLEDGE } from './rag/knowledge-bases.ts';

export interface RunningServer {
  url: string;
  deps: AppDeps;
  close(): Promise<void>;
}

export function createLogger(config: Pick<Config, 'logLevel'>): Logger {
  return pino({ level: config.logLevel, base: { service: 'aitl' } });
}

/** Opens everything the app needs; the caller owns `store.close()`. */
export async function createDeps(config: Config, logger: Logger = createLogger(config)): Promise<AppDeps> {
  const store = await openStore(config.databaseUrl);
  // The demo help centre serves every tenant that has no knowledge of its own.
  if (config.demo && (await countPassages(store.db, SHARED_KNOWLEDGE)) === 0) {
    const summary = await importKnowledge(store.db, DEMO_HELP_CENTRE);
    logger.info(summary, 'shared knowledge base was empty: loaded the demo help centre');
  }
  const embeddings = config.embed ? createEmbeddingsClient(config.embed) : undefined;
  if (embeddings) {
    // Vectors are an addition: a failing API leaves the passages without one lexical-only, and the server starts.
    try {
      let embedded = 0;
      for (const base of (await latestImports(store.db)).keys()) embedded += await embedMissingPassages(store.db, embeddings, base);
      logger.info({ model: embeddings.model, embedded }, 'dense retrieval with an OpenAI-compatible embeddings model');
    } catch (err) {
      logger.warn({ model: embeddings.model, err: (err as Error).message }, 'could not embed the passages lacking a vector: they are found lexically only');
    }
  }
  const knowledge = await createKnowledge(store.db, { embedModel: embeddings?.model, mode: config.knowledge });
  // Built now, not on the first suggestion: the default tenant's (and the shared base's) index.
  await knowledge.of(config.defaultTenant);
  const embedder = embeddings && createQueryEmbedder(embeddings, { logger });
  const replies = config.llm ? createLlmReplyGenerator(config.llm, { logger }) : undefined;
  if (config.llm) logger.info({ baseUrl: config.llm.baseUrl, model: config.llm.model, modelB: config.llm.modelB }, 'candidate replies from an OpenAI-compatible model');
  return { config, store, knowledge, logger, replies, embedder };
}

export async function startServer(config: Config): Promise<RunningServer> {
  const deps = await createDeps(config);
  deps.exports = configuredExportJobs(deps);
  const app = createApp(deps);
  if (config.auth === 'optional') {
    deps.logger.warn(
      { host: config.host, tenant: config.defaultTenant },
      `AITL_AUTH is optional: calls without an API key act as an agent of tenant "${config.defaultTenant}" (except through a reverse proxy). Set AITL_AUTH=required before anyone else can reach ${config.host}.`,
    );
  }
  let server: ServerType;
  try {
    server = await new Promise((resolve, reject) => {
      const s = serve({ fetch: app.fetch, hostname: config.host, port: config.port }, () => resolve(s));
      s.once('error', reject);
    });
  } catch (error) {
    deps.exports?.stop();
    await deps.store.close();
    throw listenError(error as NodeJS.ErrnoException, config);
  }
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  // Another process (a backend beside this one, `aitl kb import`, `aitl flywheel run|rollback`) may change the
  // store; pick that up within AITL_INDEX_REFRESH_SECONDS (two small queries when nothing changed).
  let refreshing: Promise<void> | undefined;
  const refresh = setInterval(() => {
    refreshing ??= deps.knowledge
      .refreshIfStale()
      .catch((err) => deps.logger.warn({ err }, 'index refresh failed'))
      .finally(() => (refreshing = undefined));
  }, config.indexRefreshMs ?? 2_000);
  refresh.unref();
  const flywheel = config.flywheel.intervalMs ? scheduleFlywheel(deps, config.flywheel.intervalMs) : undefined;
  return {
    url: `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`,
    deps,
    async close() {
      clearInterval(refresh);
      // A rebuild runs in slices: let one under way finish before its store closes.
      await refreshing;
      deps.exports?.stop();
      await flywheel?.stop();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await deps.store.close();
    },
  };
}

/** Why the backend could not listen, in words that say what to do; other errors as they are. */
export class ListenError extends Error {
  override name = 'ListenError';
}

function listenError(error: NodeJS.ErrnoException, config: Config): Error {
  const where = `${config.host}:${config.port}`;
  if (error.code === 'EADDRINUSE') return new ListenError(`Port ${config.port} on ${config.host} is already in use (another aitl serve?): stop that process, or set AITL_PORT to a free port.`);
  if (error.code === 'EACCES') return new ListenError(`Not allowed to listen on ${where}: ports below 1024 need privileges; set AITL_PORT to 1024 or above.`);
  if (error.code === 'EADDRNOTAVAIL') return new ListenError(`${config.host} is not an address of this machine: set AITL_HOST to one of its addresses (127.0.0.1 for this computer only).`);
  return error;
}
