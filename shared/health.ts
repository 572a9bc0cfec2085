/** GET /v1/health: liveness and what the backend is serving. */
import { z } from 'zod';

export const HealthResponse = z.object({
  /** `degraded`: serving, but the store failed a write within the last minutes (`storeProblem` says how). */
  status: z.enum(['ok', 'degraded']),
  storeProblem: z.object({ code: z.enum(['storage_full', 'storage_unavailable']), message: z.string(), at: z.iso.datetime() }).optional(),
  schemaVersion: z.number().int(),
  store: z.enum(['sqlite', 'postgres']),
  modelVersion: z.string(),
  indexVersion: z.string(),
  /** Embeddings model of dense retrieval, when one is configured (the index version names it once passages have vectors). */
  embeddings: z.string().optional(),
  passages: z.number().int().nonnegative(),
});
export type HealthResponse = z.infer<typeof HealthResponse>;
