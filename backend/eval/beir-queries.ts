/**
 * Reads a BEIR folder's queries and qrels as tickets: the query's `metadata.conversation` (when present) becomes
 * the ticket's messages, so evaluation exercises the same conversation-aware path agents do.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import type { TicketContext } from '../../shared/index.ts';

const BeirQuery = z.object({
  _id: z.union([z.string(), z.number()]).transform(String),
  text: z.string(),
  metadata: z
    .object({
      conversation: z.array(z.object({ role: z.string(), text: z.string() })).optional(),
    })
    .passthrough()
    .optional(),
});

export interface EvalQuery {
  id: string;
  ticket: TicketContext;
  /** Relevant document ids with their grades. */
  relevant: Map<string, number>;
}

/** Queries of one split (`qrels/<split>.tsv`) that have at least one relevant document. */
export function loadBeirQueries(dir: string, split: string): EvalQuery[] {
  const qrelsFile = join(dir, 'qrels', `${split}.tsv`);
  if (!existsSync(qrelsFile)) throw new Error(`No qrels for split "${split}": ${qrelsFile} is missing`);
  const qrels = new Map<string, Map<string, number>>();
  for (const line of readFileSync(qrelsFile, 'utf8').split('\n').slice(1)) {
    const [queryId, docId, score] = line.trim().split('\t');
    if (!queryId || !docId || Number(score) <= 0) continue;
    if (!qrels.has(queryId)) qrels.set(queryId, new Map());
    qrels.get(queryId)!.set(docId, Number(score));
  }
  const queries: EvalQuery[] = [];
  for (const line of readFileSync(join(dir, 'queries.jsonl'), 'utf8').split('\n')) {
    if (!line.trim()) continue;
    const q = BeirQuery.parse(JSON.parse(line));
    const relevant = qrels.get(q._id);
    if (!relevant) continue;
    queries.push({ id: q._id, ticket: toTicket(q), relevant });
  }
  return queries;
}

function toTicket(q: z.infer<typeof BeirQuery>): TicketContext {
  const turns = q.metadata?.conversation?.filter((t) => t.text.trim()) ?? [];
  const messages = turns.length
    ? turns.map((t) => ({ role: t.role === 'customer' || t.role === 'user' ? ('customer' as const) : ('agent' as const), text: t.text }))
    : [{ role: 'customer' as const, text: q.text }];
  return { host: 'beir', ticketId: q._id, messages: messages.slice(-200) };
}
