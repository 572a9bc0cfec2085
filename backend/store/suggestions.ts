/** Suggestions as shown to agents: kept so that later signals can be joined to exactly what was shown. */
import type { Kysely } from 'kysely';
import { type Candidate, redactTicket, type Snippet, type SuggestionResponse, type TicketContext } from '../../shared/index.ts';
import { addInsightCounts, suggestionCount } from './insight-counts.ts';
import type { Database, SuggestionRow } from './schema.ts';

export interface SuggestionOrigin {
  tenant: string;
  agent?: string | undefined;
  host: string;
  ticketId: string;
}

/**
 * Stores what was shown, with the ticket it answered (redacted) so later training and exports can replay it, and
 * counts it in the insights rollup in the same transaction.
 */
export async function saveSuggestion(db: Kysely<Database>, origin: SuggestionOrigin, s: SuggestionResponse, ticket?: TicketContext): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await trx
      .insertInto('suggestions')
      .values({
        id: s.suggestionId,
        tenant: origin.tenant,
        agent: origin.agent ?? null,
        host: origin.host,
        ticket_id: origin.ticketId,
        query: s.query,
        snippets: JSON.stringify(s.snippets),
        candidates: JSON.stringify(s.candidates),
        model_version: s.modelVersion,
        index_version: s.indexVersion,
        created_at: s.createdAt,
        ticket: ticket ? JSON.stringify(redactTicket(ticket)) : null,
      })
      .execute();
    await addInsightCounts(trx, [suggestionCount(origin.tenant, s.createdAt)]);
  });
}

export interface StoredSuggestion extends SuggestionOrigin {
  suggestionId: string;
  query: string;
  snippets: Snippet[];
  candidates: Candidate[];
  modelVersion: string;
  indexVersion: string;
  createdAt: string;
  /** The (redacted) ticket answered; absent for suggestions stored before it was kept. */
  ticket?: TicketContext | undefined;
}

export async function findSuggestion(db: Kysely<Database>, id: string): Promise<StoredSuggestion | undefined> {
  const row = await db.selectFrom('suggestions').selectAll().where('id', '=', id).executeTakeFirst();
  return row ? toStored(row) : undefined;
}

/** The suggestions with these ids (any that exist), in chunks so a large training set stays within bind limits. */
export async function findSuggestions(db: Kysely<Database>, ids: Iterable<string>): Promise<Map<string, StoredSuggestion>> {
  const all = [...new Set(ids)];
  const found = new Map<string, StoredSuggestion>();
  for (let i = 0; i < all.length; i += 500) {
    const rows = await db
      .selectFrom('suggestions')
      .selectAll()
      .where('id', 'in', all.slice(i, i + 500))
      .execute();
    for (const row of rows) found.set(row.id, toStored(row));
  }
  return found;
}

function toStored(row: SuggestionRow): StoredSuggestion {
  return {
    suggestionId: row.id,
    tenant: row.tenant,
    agent: row.agent ?? undefined,
    host: row.host,
    ticketId: row.ticket_id,
    query: row.query,
    snippets: JSON.parse(row.snippets) as Snippet[],
    candidates: JSON.parse(row.candidates) as Candidate[],
    modelVersion: row.model_version,
    indexVersion: row.index_version,
    createdAt: row.created_at,
    ticket: row.ticket ? (JSON.parse(row.ticket) as TicketContext) : undefined,
  };
}
