/**
 * Reads a BEIR folder's queries and qrels as tickets: the query's `metadata.conversation` (when present) becomes
 * the ticket's messages, so evaluation exercises the same conversation-aware path agents do. A query without a
 * conversation is a ticket of one customer message; a conversation that does not end with the query's text gets
 * it appended as the newest customer message.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import type { TicketContext } from '../../shared/index.ts';

const BeirQuery = z.object({
  _id: z.union([z.string(), z.number()]).transform(String),
  text: z.string(),
  metadata: z.record(z.string(), z.unknown()).nullish(),
});

const Turn = z.object({ role: z.string().optional(), text: z.string() });

export interface EvalQuery {
  id: string;
  ticket: TicketContext;
  /** Relevant document ids with their grades. */
  relevant: Map<string, number>;
}

/** Relevant documents per query from `qrels/<split>.tsv` (`query-id corpus-id score`, a header line allowed). */
export function loadQrels(dir: string, split: string): Map<string, Map<string, number>> {
  const qrelsFile = join(dir, 'qrels', `${split}.tsv`);
  if (!existsSync(qrelsFile)) throw new Error(`No qrels for split "${split}": ${qrelsFile} is missing`);
  const qrels = new Map<string, Map<string, number>>();
  for (const line of readFileSync(qrelsFile, 'utf8').split('\n')) {
    const [queryId, docId, score] = line.trim().split(/\t|\s+/);
    const grade = Number(score);
    // The header ("query-id corpus-id score") has no numeric score; grade 0 means judged not relevant.
    if (!queryId || !docId || !Number.isFinite(grade) || grade <= 0) continue;
    if (!qrels.has(queryId)) qrels.set(queryId, new Map());
    qrels.get(queryId)!.set(docId, grade);
  }
  return qrels;
}

/** Queries of one split (`qrels/<split>.tsv`) that have at least one relevant document. */
export function loadBeirQueries(dir: string, split: string): EvalQuery[] {
  const qrels = loadQrels(dir, split);
  const queriesFile = join(dir, 'queries.jsonl');
  if (!existsSync(queriesFile)) throw new Error(`${queriesFile} is missing`);
  const queries: EvalQuery[] = [];
  readFileSync(queriesFile, 'utf8')
    .split('\n')
    .forEach((line, i) => {
      if (!line.trim()) return;
      let q: z.infer<typeof BeirQuery>;
      try {
        q = BeirQuery.parse(JSON.parse(line));
      } catch {
        throw new Error(`${queriesFile}:${i + 1}: not a BEIR query ({"_id", "text", "metadata"?})`);
      }
      const relevant = qrels.get(q._id);
      if (!relevant) return;
      queries.push({ id: q._id, ticket: toTicket(q), relevant });
    });
  return queries;
}

function toTicket(q: z.infer<typeof BeirQuery>): TicketContext {
  const conversation = z.array(Turn).safeParse(q.metadata?.conversation);
  const turns = conversation.success ? conversation.data.filter((t) => t.text.trim()) : [];
  const messages = turns.map((t) => ({
    role: !t.role || t.role === 'customer' || t.role === 'user' ? ('customer' as const) : ('agent' as const),
    text: t.text,
  }));
  const last = messages[messages.length - 1];
  if (q.text.trim() && (!last || last.text.trim() !== q.text.trim())) messages.push({ role: 'customer', text: q.text });
  if (messages.length === 0) messages.push({ role: 'customer', text: q.text });
  return { host: 'beir', ticketId: q._id, messages: messages.slice(-200) };
}
