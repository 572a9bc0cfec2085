/** Suggestions as shown to agents: kept so that later signals can be joined to exactly what was shown. */
import type { Kysely } from 'kysely';
import type { Candidate, Snippet, SuggestionResponse } from '../../shared/index.ts';
import type { Database } from './schema.ts';

export interface SuggestionOrigin {
  tenant: string;
  agent?: string | undefined;
  host: string;
  ticketId: string;
}

export async function saveSuggestion(db: Kysely<Database>, origin: SuggestionOrigin, s: SuggestionResponse): Promise<void> {
  await db
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
    })
    .execute();
}

export interface StoredSuggestion extends SuggestionOrigin {
  suggestionId: string;
  query: string;
  snippets: Snippet[];
  candidates: Candidate[];
  modelVersion: string;
  indexVersion: string;
  createdAt: string;
}

export async function findSuggestion(db: Kysely<Database>, id: string): Promise<StoredSuggestion | undefined> {
  const row = await db.selectFrom('suggestions').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) return undefined;
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
  };
}
