/** What the routes need, built once at start and passed in: no hidden singletons. */
import type { Logger } from 'pino';
import type { Config } from './config.ts';
import type { Knowledge } from './rag/knowledge.ts';
import type { Store } from './store/connect.ts';

export interface AppDeps {
  config: Config;
  store: Store;
  knowledge: Knowledge;
  logger: Logger;
}
