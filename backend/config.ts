/**
 * Backend settings, read once from `AITL_*` environment variables and checked with zod. A bad value stops the
 * process with a message naming the variable, instead of failing later somewhere less obvious.
 */
import type { KnowledgeMode } from './rag/knowledge-bases.ts';
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { EXTENSION_ID } from '../shared/index.ts';

const Env = z.object({
  AITL_HOST: z.string().min(1).default('127.0.0.1'),
  AITL_PORT: z.coerce.number().int().min(0).max(65535).default(8787),
  /** `postgres://…` selects PostgreSQL; anything else is a SQLite file path. */
  AITL_DATABASE_URL: z.string().min(1).default('./data/aitl.db'),
  AITL_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Load the bundled demo help centre when the knowledge base is empty at start. */
  AITL_DEMO: z.stringbool().default(true),
  /** Tenant recorded when a request names none. */
  AITL_DEFAULT_TENANT: z
    .string()
    .min(1)
    .max(128)
    .refine((v) => v !== '*', '"*" names the shared knowledge base, not a tenant')
    .default('default'),
  /** `per-tenant`: each tenant imports and reads its own knowledge base (the shared one until it has one). `shared`: one for all. */
  AITL_KNOWLEDGE: z.enum(['per-tenant', 'shared']).default('per-tenant'),
  /** How often a backend looks for imports, promotions and rollbacks made by other processes on the store. */
  AITL_INDEX_REFRESH_SECONDS: z.coerce.number().min(0.1).max(3_600).default(2),
  /** Passages a backend keeps indexed in memory across knowledge bases before letting the least recently used go. */
  AITL_INDEX_CACHE_PASSAGES: z.coerce.number().int().min(1_000).default(1_000_000),
  /** `required`: every /v1 call but health and openapi needs an API key. `optional`: calls without one act as the default tenant's agent. */
  AITL_AUTH: z.enum(['required', 'optional']).optional(),
  /**
   * Origins besides the backend's own whose browser requests /v1 accepts, comma-separated: the extension's
   * (`chrome-extension://<id>`, `moz-extension://<uuid>`) or a console of your own (`https://…`).
   */
  /** Signs snippets' links to article pages when keys are required; set the same on every backend of a team. */
  AITL_LINK_SECRET: z.string().min(16, 'at least 16 characters').optional(),
  AITL_ALLOWED_ORIGINS: z
    .string()
    .transform((v) =>
      v
        .split(',')
        .map((o) => o.trim())
        .filter(Boolean),
    )
    .pipe(
      z.array(
        z
          .string()
          .regex(/^((chrome|moz|safari-web)-extension:\/\/[a-z0-9-]+|https?:\/\/[a-z0-9.-]+(:\d+)?)$/i, 'an origin: scheme://host[:port], no path'),
      ),
    )
    .optional(),
  /** OpenAI-compatible chat endpoint (…/v1); unset keeps the built-in extractive replies only. */
  AITL_LLM_BASE_URL: z.url({ protocol: /^https?$/ }).optional(),
  AITL_LLM_MODEL: z.string().min(1).max(200).default('gpt-4o-mini'),
  /** Model of the challenger variant; the champion's model when unset. */
  AITL_LLM_MODEL_B: z.string().min(1).max(200).optional(),
  AITL_LLM_API_KEY: z.string().min(1).optional(),
  AITL_LLM_TIMEOUT_MS: z.coerce.number().int().min(50).max(120_000).default(8000),
  /** OpenAI-compatible embeddings endpoint (…/v1); unset means no dense vectors. */
  AITL_EMBED_BASE_URL: z.url({ protocol: /^https?$/ }).optional(),
  AITL_EMBED_MODEL: z.string().min(1).max(200).default('text-embedding-3-small'),
  AITL_EMBED_API_KEY: z.string().min(1).optional(),
  /** Scratch folder export batches are written in before they are packed into the store (default: `exports/` beside the SQLite file, else ./data/exports). */
  AITL_EXPORT_DIR: z.string().min(1).optional(),
  /** Export windows end this many seconds before the batch is asked for, so rows still committing are not skipped. */
  AITL_EXPORT_LAG_SECONDS: z.coerce.number().int().min(0).max(86_400).default(60),
  /** Days a ready export batch's archive is kept before it is removed and the batch expires (unset: 30); 0: forever. */
  AITL_EXPORT_RETENTION_DAYS: z.coerce.number().int().min(0).max(36_500).optional(),
  /** Run a flywheel cycle this often inside `aitl serve` (`90s`, `30m`, `6h`, `1d`); unset: only on demand. */
  AITL_FLYWHEEL_INTERVAL: z
    .string()
    .regex(/^\d+(s|m|h|d)$/, 'must be a number and a unit s, m, h or d, e.g. 6h')
    .refine((v) => durationMs(v) >= 60_000, 'must be at least 1m')
    .optional(),
  /** A BEIR folder every flywheel cycle also scores as a regression set (e.g. an exported `beir` batch). */
  AITL_FLYWHEEL_REGRESSION: z.string().min(1).optional(),
  AITL_FLYWHEEL_REGRESSION_SPLIT: z.string().min(1).default('test'),
});

const UNIT_MS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** `30m` → 1800000. */
export function durationMs(value: string): number {
  const unit = value.slice(-1) as keyof typeof UNIT_MS;
  return Number(value.slice(0, -1)) * UNIT_MS[unit];
}

export type AuthMode = 'required' | 'optional';

/** Whether `host` only accepts connections from this machine: 127.0.0.0/8, ::1 or localhost. */
export function isLoopbackHost(host: string): boolean {
  const h = host
    .trim()
    .toLowerCase()
    .replace(/^\[(.*)\]$/, '$1');
  return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

/** One per process, so loading the config twice signs and checks alike. */
const PROCESS_LINK_SECRET = randomBytes(32).toString('hex');

export type Config = {
  host: string;
  port: number;
  databaseUrl: string;
  logLevel: z.infer<typeof Env>['AITL_LOG_LEVEL'];
  demo: boolean;
  defaultTenant: string;
  /** AITL_KNOWLEDGE (per-tenant when absent). */
  knowledge?: KnowledgeMode | undefined;
  /** AITL_INDEX_REFRESH_SECONDS in milliseconds (2000 when absent). */
  indexRefreshMs?: number | undefined;
  /** AITL_INDEX_CACHE_PASSAGES (no bound when absent). */
  indexCachePassages?: number | undefined;
  /** Defaults to `optional` on a loopback address (the local demo works without keys), else `required`. */
  auth: AuthMode;
  /** Browser origins allowed to call /v1 besides the backend's own (default: the Chrome/Edge extension's). */
  allowedOrigins: string[];
  /** Key of signed article links (AITL_LINK_SECRET; default: random per process, so links open on that process only). */
  linkSecret: string;
  /** Present only when AITL_LLM_BASE_URL is set. */
  llm?: LlmConfig | undefined;
  /** Present only when AITL_EMBED_BASE_URL is set. */
  embed?: EmbedConfig | undefined;
  /** AITL_EXPORT_DIR, a scratch folder; unset: beside the store (backend/exports/jobs.ts exportDir). */
  exportDir?: string | undefined;
  /** AITL_EXPORT_LAG_SECONDS (60). */
  exportLagSeconds?: number | undefined;
  /** AITL_EXPORT_RETENTION_DAYS; unset: 30 (backend/exports/jobs.ts DEFAULT_EXPORT_RETENTION_DAYS), 0: forever. */
  exportRetentionDays?: number | undefined;
  flywheel: FlywheelConfig;
};

export interface FlywheelConfig {
  /** Milliseconds between unattended cycles; undefined: none. */
  intervalMs?: number | undefined;
  regression?: { dir: string; split: string } | undefined;
}

export interface LlmConfig {
  baseUrl: string;
  model: string;
  modelB?: string | undefined;
  apiKey?: string | undefined;
  timeoutMs: number;
}

export interface EmbedConfig {
  baseUrl: string;
  model: string;
  apiKey?: string | undefined;
  timeoutMs: number;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Parses the environment; throws a ConfigError whose message names every bad variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const present = Object.fromEntries(Object.entries(env).filter(([k, v]) => k.startsWith('AITL_') && v !== ''));
  const parsed = Env.safeParse(present);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message} (got ${JSON.stringify(present[String(i.path[0])])})`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  return {
    host: e.AITL_HOST,
    port: e.AITL_PORT,
    databaseUrl: e.AITL_DATABASE_URL,
    logLevel: e.AITL_LOG_LEVEL,
    demo: e.AITL_DEMO,
    defaultTenant: e.AITL_DEFAULT_TENANT,
    knowledge: e.AITL_KNOWLEDGE,
    indexRefreshMs: Math.round(e.AITL_INDEX_REFRESH_SECONDS * 1000),
    indexCachePassages: e.AITL_INDEX_CACHE_PASSAGES,
    auth: e.AITL_AUTH ?? (isLoopbackHost(e.AITL_HOST) ? 'optional' : 'required'),
    allowedOrigins: e.AITL_ALLOWED_ORIGINS ?? [`chrome-extension://${EXTENSION_ID}`],
    linkSecret: e.AITL_LINK_SECRET ?? PROCESS_LINK_SECRET,
    llm: e.AITL_LLM_BASE_URL
      ? {
          baseUrl: e.AITL_LLM_BASE_URL,
          model: e.AITL_LLM_MODEL,
          modelB: e.AITL_LLM_MODEL_B,
          apiKey: e.AITL_LLM_API_KEY,
          timeoutMs: e.AITL_LLM_TIMEOUT_MS,
        }
      : undefined,
    embed: e.AITL_EMBED_BASE_URL
      ? { baseUrl: e.AITL_EMBED_BASE_URL, model: e.AITL_EMBED_MODEL, apiKey: e.AITL_EMBED_API_KEY, timeoutMs: e.AITL_LLM_TIMEOUT_MS }
      : undefined,
    exportDir: e.AITL_EXPORT_DIR,
    exportLagSeconds: e.AITL_EXPORT_LAG_SECONDS,
    exportRetentionDays: e.AITL_EXPORT_RETENTION_DAYS,
    flywheel: {
      intervalMs: e.AITL_FLYWHEEL_INTERVAL ? durationMs(e.AITL_FLYWHEEL_INTERVAL) : undefined,
      regression: e.AITL_FLYWHEEL_REGRESSION ? { dir: e.AITL_FLYWHEEL_REGRESSION, split: e.AITL_FLYWHEEL_REGRESSION_SPLIT } : undefined,
    },
  };
}
