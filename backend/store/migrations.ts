/**
 * The one set of migrations, written with Kysely's schema builder so it runs unchanged on SQLite and
 * PostgreSQL. Append new migrations; never edit one that has shipped.
 */
import { Kysely, type Migration, type MigrationProvider, Migrator, PostgresAdapter, sql } from 'kysely';
import { backfillInsightCounts } from './insight-counts.ts';

export const MIGRATIONS: Readonly<Record<string, Migration>> = {
  '0001_knowledge_and_suggestions': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('kb_imports')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('source', 'text', (c) => c.notNull())
        .addColumn('format', 'text', (c) => c.notNull())
        .addColumn('articles', 'integer', (c) => c.notNull())
        .addColumn('passages', 'integer', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('passages')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('article_id', 'text', (c) => c.notNull())
        .addColumn('title', 'text', (c) => c.notNull())
        .addColumn('text', 'text', (c) => c.notNull())
        .addColumn('url', 'text', (c) => c.notNull())
        .addColumn('anchor', 'text', (c) => c.notNull())
        .addColumn('position', 'integer', (c) => c.notNull())
        .addColumn('metadata', 'text', (c) => c.notNull())
        .addColumn('import_id', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('passages_article_idx').on('passages').column('article_id').execute();
      await db.schema
        .createTable('suggestions')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('tenant', 'text', (c) => c.notNull())
        .addColumn('agent', 'text')
        .addColumn('host', 'text', (c) => c.notNull())
        .addColumn('ticket_id', 'text', (c) => c.notNull())
        .addColumn('query', 'text', (c) => c.notNull())
        .addColumn('snippets', 'text', (c) => c.notNull())
        .addColumn('candidates', 'text', (c) => c.notNull())
        .addColumn('model_version', 'text', (c) => c.notNull())
        .addColumn('index_version', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('suggestions_ticket_idx').on('suggestions').columns(['host', 'ticket_id']).execute();
    },
  },
  '0002_api_keys_and_annotations': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('api_keys')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('tenant', 'text', (c) => c.notNull())
        .addColumn('role', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('key_hash', 'text', (c) => c.notNull().unique())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('revoked_at', 'text')
        .addColumn('last_used_at', 'text')
        .execute();
      await db.schema
        .createTable('annotations')
        .addColumn('tenant', 'text', (c) => c.notNull())
        .addColumn('id', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('suggestion_id', 'text', (c) => c.notNull())
        .addColumn('ticket_id', 'text', (c) => c.notNull())
        .addColumn('host', 'text', (c) => c.notNull())
        .addColumn('agent', 'text', (c) => c.notNull())
        .addColumn('payload', 'text', (c) => c.notNull())
        .addColumn('payload_hash', 'text', (c) => c.notNull())
        .addColumn('client_time', 'text', (c) => c.notNull())
        .addColumn('sent_at', 'text')
        .addColumn('received_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('annotations_pk', ['tenant', 'id'])
        .execute();
      await db.schema.createIndex('annotations_received_idx').on('annotations').columns(['tenant', 'received_at', 'id']).execute();
      await db.schema.createIndex('annotations_kind_idx').on('annotations').columns(['tenant', 'kind']).execute();
    },
  },
  '0003_host_config_and_page_reports': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('host_config')
        .addColumn('tenant', 'text', (c) => c.primaryKey())
        .addColumn('config', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addColumn('updated_by', 'text')
        .execute();
      await db.schema
        .createTable('page_reports')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('tenant', 'text', (c) => c.notNull())
        .addColumn('host', 'text', (c) => c.notNull())
        .addColumn('url', 'text', (c) => c.notNull())
        .addColumn('reason', 'text', (c) => c.notNull())
        .addColumn('selector_key', 'text')
        .addColumn('selectors', 'text')
        .addColumn('extension_version', 'text', (c) => c.notNull())
        .addColumn('client_time', 'text', (c) => c.notNull())
        .addColumn('received_at', 'text', (c) => c.notNull())
        .addColumn('key_id', 'text')
        .execute();
      await db.schema.createIndex('page_reports_received_idx').on('page_reports').columns(['tenant', 'received_at']).execute();
    },
  },
  '0004_passage_vectors': {
    async up(db: Kysely<any>) {
      // One embedding per passage and model: a JSON array of numbers as text, so both dialects store it alike.
      await db.schema
        .createTable('passage_vectors')
        .addColumn('passage_id', 'text', (c) => c.primaryKey())
        .addColumn('model', 'text', (c) => c.notNull())
        .addColumn('dims', 'integer', (c) => c.notNull())
        .addColumn('vector', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
    },
  },
  '0005_flywheel_and_audit': {
    async up(db: Kysely<any>) {
      // The conversation a suggestion answered (redacted), so training can recompute features and exports can
      // rebuild the prompt; null for suggestions stored before this migration.
      await db.schema.alterTable('suggestions').addColumn('ticket', 'text').execute();
      await db.schema.createIndex('suggestions_created_idx').on('suggestions').columns(['tenant', 'created_at']).execute();
      // The registry: every trained artefact is a version with its parent, inputs, metrics and status.
      await db.schema
        .createTable('model_versions')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('parent', 'text')
        .addColumn('run_id', 'text')
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('reason', 'text', (c) => c.notNull())
        .addColumn('inputs', 'text', (c) => c.notNull())
        .addColumn('metrics', 'text', (c) => c.notNull())
        .addColumn('artefact', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('status_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('model_versions_kind_idx').on('model_versions').columns(['kind', 'status', 'created_at']).execute();
      await db.schema
        .createTable('flywheel_runs')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('started_at', 'text', (c) => c.notNull())
        .addColumn('finished_at', 'text')
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('summary', 'text', (c) => c.notNull())
        .execute();
      // The quality gate's latest decision per annotation: weight 0..1 and the reasons behind it.
      await db.schema
        .createTable('gate_results')
        .addColumn('tenant', 'text', (c) => c.notNull())
        .addColumn('annotation_id', 'text', (c) => c.notNull())
        .addColumn('run_id', 'text', (c) => c.notNull())
        .addColumn('weight', 'real', (c) => c.notNull())
        .addColumn('reasons', 'text', (c) => c.notNull())
        .addColumn('decided_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('gate_results_pk', ['tenant', 'annotation_id'])
        .execute();
      await db.schema
        .createTable('audit_log')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('tenant', 'text', (c) => c.notNull())
        .addColumn('actor', 'text', (c) => c.notNull())
        .addColumn('role', 'text', (c) => c.notNull())
        .addColumn('action', 'text', (c) => c.notNull())
        .addColumn('target', 'text')
        .addColumn('detail', 'text', (c) => c.notNull())
        .addColumn('at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('audit_log_at_idx').on('audit_log').columns(['tenant', 'at']).execute();
    },
  },
  '0006_export_batches': {
    async up(db: Kysely<any>) {
      // Analysts' export batches: what was asked, the received-at window it covered, and where its archive is.
      await db.schema
        .createTable('export_batches')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('tenant', 'text', (c) => c.notNull())
        .addColumn('created_by', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('request', 'text', (c) => c.notNull())
        .addColumn('window_from', 'text')
        .addColumn('window_to', 'text', (c) => c.notNull())
        .addColumn('manifest', 'text')
        .addColumn('error', 'text')
        .addColumn('archive_path', 'text')
        .addColumn('archive_bytes', 'integer')
        .addColumn('archive_sha256', 'text')
        .addColumn('finished_at', 'text')
        .execute();
      await db.schema.createIndex('export_batches_tenant_idx').on('export_batches').columns(['tenant', 'created_at']).execute();
      // Exports read a window's annotations grouped by suggestion, keyset-paged in this order.
      await db.schema.createIndex('annotations_suggestion_idx').on('annotations').columns(['tenant', 'suggestion_id', 'received_at', 'id']).execute();
    },
  },
  '0007_export_archives': {
    async up(db: Kysely<any>) {
      // Export archives live in the store, so any backend on it serves any batch: numbered chunks of about 1 MiB,
      // written as the archive is packed and read back one at a time. Bytes are `bytea` on PostgreSQL (which has no
      // `blob`) and `blob` on SQLite.
      const bytes = db.getExecutor().adapter instanceof PostgresAdapter ? 'bytea' : 'blob';
      await db.schema
        .createTable('export_archive_chunks')
        .addColumn('batch_id', 'text', (c) => c.notNull())
        .addColumn('seq', 'integer', (c) => c.notNull())
        .addColumn('bytes', bytes, (c) => c.notNull())
        .addPrimaryKeyConstraint('export_archive_chunks_pk', ['batch_id', 'seq'])
        .execute();
      // A batch's lease is its row's heartbeat, seen by every backend on the store (it was a file beside the archive).
      await db.schema.alterTable('export_batches').addColumn('heartbeat_at', 'text').execute();
    },
  },
  '0008_tenant_knowledge_and_models': {
    async up(db: Kysely<any>) {
      // Knowledge, trained versions and flywheel runs become a tenant's own. What was stored before served every
      // tenant: passages and imports move to the shared base `*` (it serves tenants without their own), versions
      // and runs to `default`, the tenant a single-team deployment uses.
      await db.schema
        .alterTable('kb_imports')
        .addColumn('tenant', 'text', (c) => c.notNull().defaultTo('*'))
        .execute();
      await db.schema.createIndex('kb_imports_tenant_idx').on('kb_imports').columns(['tenant', 'created_at']).execute();
      for (const table of ['model_versions', 'flywheel_runs']) {
        await db.schema
          .alterTable(table)
          .addColumn('tenant', 'text', (c) => c.notNull().defaultTo('default'))
          .execute();
      }
      await db.schema.dropIndex('model_versions_kind_idx').execute();
      await db.schema.createIndex('model_versions_tenant_idx').on('model_versions').columns(['tenant', 'kind', 'status', 'created_at']).execute();
      await db.schema.createIndex('flywheel_runs_tenant_idx').on('flywheel_runs').columns(['tenant', 'started_at']).execute();
      // Two tenants may both have an article "returns": the keys become (tenant, id). Neither dialect alters a
      // primary key in place the same way, so the tables are rebuilt.
      await db.schema
        .createTable('passages_by_tenant')
        .addColumn('tenant', 'text', (c) => c.notNull())
        .addColumn('id', 'text', (c) => c.notNull())
        .addColumn('article_id', 'text', (c) => c.notNull())
        .addColumn('title', 'text', (c) => c.notNull())
        .addColumn('text', 'text', (c) => c.notNull())
        .addColumn('url', 'text', (c) => c.notNull())
        .addColumn('anchor', 'text', (c) => c.notNull())
        .addColumn('position', 'integer', (c) => c.notNull())
        .addColumn('metadata', 'text', (c) => c.notNull())
        .addColumn('import_id', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('passages_by_tenant_pk', ['tenant', 'id'])
        .execute();
      const columns = ['id', 'article_id', 'title', 'text', 'url', 'anchor', 'position', 'metadata', 'import_id', 'created_at'];
      await db
        .insertInto('passages_by_tenant')
        .columns(['tenant', ...columns])
        .expression(db.selectFrom('passages').select((eb) => [sql.lit('*').as('tenant'), ...columns.map((c) => eb.ref(c).as(c))]))
        .execute();
      await db.schema.dropTable('passages').execute();
      await db.schema.alterTable('passages_by_tenant').renameTo('passages').execute();
      await db.schema.createIndex('passages_tenant_article_idx').on('passages').columns(['tenant', 'article_id']).execute();
      await db.schema
        .createTable('passage_vectors_by_tenant')
        .addColumn('tenant', 'text', (c) => c.notNull())
        .addColumn('passage_id', 'text', (c) => c.notNull())
        .addColumn('model', 'text', (c) => c.notNull())
        .addColumn('dims', 'integer', (c) => c.notNull())
        .addColumn('vector', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('passage_vectors_by_tenant_pk', ['tenant', 'passage_id'])
        .execute();
      const vectorColumns = ['passage_id', 'model', 'dims', 'vector', 'created_at'];
      await db
        .insertInto('passage_vectors_by_tenant')
        .columns(['tenant', ...vectorColumns])
        .expression(db.selectFrom('passage_vectors').select((eb) => [sql.lit('*').as('tenant'), ...vectorColumns.map((c) => eb.ref(c).as(c))]))
        .execute();
      await db.schema.dropTable('passage_vectors').execute();
      await db.schema.alterTable('passage_vectors_by_tenant').renameTo('passage_vectors').execute();
    },
  },
  '0009_insight_counts': {
    async up(db: Kysely<any>) {
      // Signals per tenant, UTC day, kind and value, so the analyst console's charts read a few thousand rows rather
      // than parse every annotation's JSON. Kept up to date when annotations and suggestions are stored; filled here
      // from what is stored already.
      await db.schema
        .createTable('insight_counts')
        .addColumn('tenant', 'text', (c) => c.notNull())
        .addColumn('day', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('value', 'text', (c) => c.notNull())
        .addColumn('variant_a', 'text', (c) => c.notNull())
        .addColumn('variant_b', 'text', (c) => c.notNull())
        .addColumn('n', 'integer', (c) => c.notNull())
        .addPrimaryKeyConstraint('insight_counts_pk', ['tenant', 'day', 'kind', 'value', 'variant_a', 'variant_b'])
        .execute();
      await backfillInsightCounts(db);
    },
  },
};

const provider: MigrationProvider = { getMigrations: async () => MIGRATIONS };

/**
 * Brings the schema up to date; throws with the failing migration's name. `schema` (PostgreSQL) is where Kysely
 * keeps its own migration tables: the schema the migrations themselves run in.
 */
export async function migrateToLatest(db: Kysely<any>, schema?: string): Promise<void> {
  const migrator = new Migrator({ db, provider, ...(schema ? { migrationTableSchema: schema } : {}) });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new Error(`Database migration ${failed} failed: ${error instanceof Error ? error.message : String(error)}`);
  }
}
