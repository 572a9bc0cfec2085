/**
 * A SQLite store file opened straight through the driver, for benches that write rows in bulk rather than through
 * the API: the store's own pragmas, and one prepared INSERT per table with the columns the migrations create.
 */
import SQLite from 'better-sqlite3';

export function rawSqlite(file: string) {
  const db = new SQLite(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  const insertAnnotation = db.prepare(
    `INSERT INTO annotations (tenant, id, kind, suggestion_id, ticket_id, host, agent, payload, payload_hash, client_time, sent_at, received_at)
     VALUES (@tenant, @id, @kind, @suggestion_id, @ticket_id, @host, @agent, @payload, @payload_hash, @client_time, @sent_at, @received_at)`,
  );
  const insertSuggestion = db.prepare(
    `INSERT INTO suggestions (id, tenant, agent, host, ticket_id, query, snippets, candidates, model_version, index_version, created_at, ticket)
     VALUES (@id, @tenant, @agent, @host, @ticket_id, @query, @snippets, @candidates, @model_version, @index_version, @created_at, @ticket)`,
  );
  return { db, insertAnnotation, insertSuggestion };
}
