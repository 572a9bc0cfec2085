/**
 * What the routes need, built once at start and passed in: no hidden singletons. `createDeps` builds them for the
 * server and for commands that run the same pipeline (`aitl flywheel`): config → store (migrated) → knowledge (demo
 * help centre if empty; passages embedded when an embeddings API is configured) → model clients.
 */
import { pino, type Logger } from 'pino';
import type { Config } from './config.ts';
import { DEMO_HELP_CENTRE } from './demo/tickets.ts';
import type { ExportJobs } from './exports/jobs.ts';
import { importKnowledge } from './kb/import.ts';
import { createEmbeddingsClient } from './llm/embeddings.ts';
import { createLlmReplyGenerator, type ReplyGenerator } from './rag/model-replies.ts';
import { createQueryEmbedder, embedMissingPassages, type QueryEmbedder } from './rag/dense.ts';
import { SHARED_KNOWLEDGE } from './rag/knowledge-bases.ts';
import { createKnowledge, type Knowledge } from './rag/knowledge.ts';
import { openStore, type Store } from './store/connect.ts';
import { countPassages, latestImports } from './store/passages.ts';

export interface AppDeps {
  config: Config;
  store: Store;
  knowledge: Knowledge;
  logger: Logger;
  /** Model-backed candidate replies; absent (built-in extractive replies only) unless AITL_LLM_BASE_URL is set. */
  replies?: ReplyGenerator | undefined;
  /** Embeds each suggestion's query for dense retrieval; absent (lexical retrieval only) unless AITL_EMBED_BASE_URL is set. */
  embedder?: QueryEmbedder | undefined;
  /** Runs export batches; `startServer` makes one and stops it on close (the export routes make one if absent). */
  exports?: ExportJobs | undefined;
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
      logger.warn(
        { model: embeddings.model, err: (err as Error).message },
        'could not embed the passages lacking a vector: they are found lexically only',
      );
    }
  }
  const knowledge = await createKnowledge(store.db, {
    embedModel: embeddings?.model,
    mode: config.knowledge,
    maxPassages: config.indexCachePassages,
  });
  // Built now, not on the first suggestion: the default tenant's (and the shared base's) index.
  await knowledge.of(config.defaultTenant);
  const embedder = embeddings && createQueryEmbedder(embeddings, { logger });
  const replies = config.llm ? createLlmReplyGenerator(config.llm, { logger }) : undefined;
  if (config.llm)
    logger.info(
      { baseUrl: config.llm.baseUrl, model: config.llm.model, modelB: config.llm.modelB },
      'candidate replies from an OpenAI-compatible model',
    );
  return { config, store, knowledge, logger, replies, embedder };
}
