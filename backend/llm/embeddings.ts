/**
 * OpenAI-compatible embeddings: `POST {base}/embeddings` with `{model, input: string[]}`, vectors from
 * `data[].embedding` put back in input order by `index`. Large inputs go in batches.
 */
import { z } from 'zod';
import type { EmbedConfig } from '../config.ts';
import { endpoint, LlmError, postJson } from './http.ts';

const EmbeddingsResponse = z.object({
  data: z.array(z.object({ index: z.number().int().nonnegative(), embedding: z.array(z.number()) })),
});

export interface EmbeddingsClient {
  model: string;
  embed(texts: readonly string[]): Promise<number[][]>;
}

export function createEmbeddingsClient(
  config: EmbedConfig,
  options: { batchSize?: number; backoffMs?: number; fetch?: typeof fetch } = {},
): EmbeddingsClient {
  const url = endpoint(config.baseUrl, 'embeddings');
  const batchSize = options.batchSize ?? 96;
  return {
    model: config.model,
    async embed(texts) {
      const out: number[][] = [];
      for (let start = 0; start < texts.length; start += batchSize) {
        const input = texts.slice(start, start + batchSize);
        const res = await postJson(EmbeddingsResponse, {
          url,
          apiKey: config.apiKey,
          timeoutMs: config.timeoutMs,
          backoffMs: options.backoffMs,
          fetch: options.fetch,
          body: { model: config.model, input },
        });
        const vectors = new Array<number[] | undefined>(input.length);
        for (const item of res.data) if (item.index < input.length) vectors[item.index] = item.embedding;
        const dims = vectors[0]?.length;
        if (vectors.some((v) => !v || v.length !== dims || v.length === 0)) {
          throw new LlmError('malformed', `${url} did not answer one vector of one size for each of ${input.length} inputs`);
        }
        out.push(...(vectors as number[][]));
      }
      return out;
    },
  };
}
