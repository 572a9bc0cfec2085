/** What the routes need, built once at start and passed in: no hidden singletons. */
import type { Logger } from 'pino';
import type { Config } from './config.ts';
import type { ExportJobs } from './exports/jobs.ts';
import type { ReplyGenerator } from './rag/model-replies.ts';
import type { QueryEmbedder } from './rag/dense.ts';
import type { Knowledge } from './rag/knowledge.ts';
import type { Store } from './store/connect.ts';

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
