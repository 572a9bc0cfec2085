/** Table shapes as Kysely sees them. JSON columns are text on both dialects so one set of queries serves both. */
import type { Insertable, Selectable } from 'kysely';

export interface PassageTable {
  /** Whose knowledge base: a tenant, or `*` for the shared one (rag/knowledge-scope.ts). */
  tenant: string;
  /** `<articleId>#<anchor>` for split articles, the article id for single-passage ones; unique within the tenant. */
  id: string;
  article_id: string;
  title: string;
  text: string;
  url: string;
  anchor: string;
  /** Position of the passage within its article, from 0. */
  position: number;
  /** JSON object of whatever metadata the source carried (tags, entity, product, …). */
  metadata: string;
  import_id: string;
  created_at: string;
}
export type PassageRow = Selectable<PassageTable>;
export type NewPassage = Insertable<PassageTable>;
/** A passage as the splitter makes it, before it is stored in a knowledge base. */
export type PassageDraft = Omit<NewPassage, 'tenant'>;

export interface KbImportTable {
  id: string;
  /** The knowledge base it went into: a tenant, or `*` for the shared one. */
  tenant: string;
  source: string;
  format: string;
  articles: number;
  passages: number;
  created_at: string;
}
export type KbImportRow = Selectable<KbImportTable>;

export interface SuggestionTable {
  id: string;
  tenant: string;
  agent: string | null;
  host: string;
  ticket_id: string;
  query: string;
  /** JSON array of the snippets shown, in rank order. */
  snippets: string;
  /** JSON array of the candidates shown. */
  candidates: string;
  model_version: string;
  index_version: string;
  created_at: string;
  /** JSON of the TicketContext answered, redacted; null for suggestions stored before migration 0005. */
  ticket: string | null;
}
export type SuggestionRow = Selectable<SuggestionTable>;
export type NewSuggestion = Insertable<SuggestionTable>;

export interface ApiKeyTable {
  /** The public part of the key, `aitl_<id>_…`; safe to show and log. */
  id: string;
  tenant: string;
  /** One of shared Role: agent, analyst, admin. */
  role: string;
  name: string;
  /** SHA-256 (hex) of the whole key; the key itself is never stored. */
  key_hash: string;
  created_at: string;
  revoked_at: string | null;
  last_used_at: string | null;
}
export type ApiKeyRow = Selectable<ApiKeyTable>;
export type NewApiKey = Insertable<ApiKeyTable>;

export interface AnnotationTable {
  tenant: string;
  /** The client's UUID v7: with the tenant, the idempotency key of sync. */
  id: string;
  kind: string;
  suggestion_id: string;
  ticket_id: string;
  host: string;
  agent: string;
  /** JSON of the annotation as stored, after the server's redaction. */
  payload: string;
  /** SHA-256 (hex) of the canonical JSON of the item as received, before redaction: a resend hashes the same. */
  payload_hash: string;
  client_time: string;
  sent_at: string | null;
  received_at: string;
}
export type AnnotationRow = Selectable<AnnotationTable>;
export type NewAnnotation = Insertable<AnnotationTable>;

export interface HostConfigTable {
  tenant: string;
  /** JSON of the tenant's HostConfig (shared/host-config.ts), as validated when it was stored. */
  config: string;
  updated_at: string;
  /** The admin key that stored it; null when stored from the command line (or without a key). */
  updated_by: string | null;
}
export type HostConfigRow = Selectable<HostConfigTable>;

export interface PageReportTable {
  /** UUID v7 made by the server when the report arrives. */
  id: string;
  tenant: string;
  host: string;
  /** The page URL without query or fragment. */
  url: string;
  reason: string;
  selector_key: string | null;
  /** JSON array of the selectors tried, when the report names them. */
  selectors: string | null;
  extension_version: string;
  client_time: string;
  received_at: string;
  key_id: string | null;
}
export type PageReportRow = Selectable<PageReportTable>;
export type NewPageReport = Insertable<PageReportTable>;

export interface PassageVectorTable {
  tenant: string;
  passage_id: string;
  model: string;
  dims: number;
  /** JSON array of numbers. */
  vector: string;
  created_at: string;
}
export type PassageVectorRow = Selectable<PassageVectorTable>;

/** One trained artefact in the registry (reranker + priors + expansions, or the reply-variant policy). */
export interface ModelVersionTable {
  /** `<kind>-<time><random>` (see models/registry.ts); `<kind>-default` names the built-in one and is never stored. */
  id: string;
  /** The tenant whose signals trained it and whose suggestions it serves. */
  tenant: string;
  kind: string;
  parent: string | null;
  /** The flywheel run that trained it; null for the built-in default. */
  run_id: string | null;
  /** candidate | promoted | kept | retired | rolled_back */
  status: string;
  /** Why it has that status, in words. */
  reason: string;
  /** JSON: annotations and labels counted as its inputs. */
  inputs: string;
  /** JSON: held-out metrics of this version and of the one it was compared with. */
  metrics: string;
  /** JSON of the artefact itself. */
  artefact: string;
  created_at: string;
  status_at: string;
}
export type ModelVersionRow = Selectable<ModelVersionTable>;

export interface FlywheelRunTable {
  id: string;
  tenant: string;
  started_at: string;
  finished_at: string | null;
  /** running | promoted | kept | failed */
  status: string;
  /** JSON of the run's report (gate counts, training inputs, evaluation, decisions). */
  summary: string;
}
export type FlywheelRunRow = Selectable<FlywheelRunTable>;

export interface GateResultTable {
  tenant: string;
  annotation_id: string;
  run_id: string;
  /** 0 = set aside, 1 = full weight. */
  weight: number;
  /** JSON array of `{rule, detail}`. */
  reasons: string;
  decided_at: string;
}
export type GateResultRow = Selectable<GateResultTable>;

export interface AuditLogTable {
  /** UUID v7 (time-ordered). */
  id: string;
  tenant: string;
  /** Key id, or `cli` for the command line. */
  actor: string;
  role: string;
  /** Dotted verb, e.g. `export.create`, `key.revoke`, `flywheel.rollback`. */
  action: string;
  target: string | null;
  /** JSON object with what was asked. */
  detail: string;
  at: string;
}
export type AuditLogRow = Selectable<AuditLogTable>;

/** One export batch (backend/exports): request, window, status and, once ready, manifest and archive. */
export interface ExportBatchTable {
  /** UUID v7. */
  id: string;
  tenant: string;
  /** Key id of the analyst, or `cli`. */
  created_by: string;
  created_at: string;
  /** pending | running | ready | failed | expired */
  status: string;
  /** JSON of the NormalisedExportRequest. */
  request: string;
  /** Received-at window [from, to); null from = from the beginning. */
  window_from: string | null;
  window_to: string;
  /** JSON of the ExportManifest once ready. */
  manifest: string | null;
  error: string | null;
  /** The archive file of a batch made before migration 0007; null since (archives are in export_archive_chunks). */
  archive_path: string | null;
  /** Size and SHA-256 of the archive; null for command-line batches written straight to a folder. */
  archive_bytes: number | null;
  archive_sha256: string | null;
  finished_at: string | null;
  /** Last heartbeat of the process holding the unfinished batch (backend/exports/sweep.ts); null before the first. */
  heartbeat_at: string | null;
}
export type ExportBatchRow = Selectable<ExportBatchTable>;

/** A ready batch's archive, kept in the store as numbered chunks (backend/exports/stored-archive.ts). */
export interface ExportArchiveChunkTable {
  batch_id: string;
  /** 0, 1, …: the chunks in order make the archive. */
  seq: number;
  bytes: Buffer;
}

/**
 * The insights rollup (backend/store/insight-counts.ts): how many of a tenant's signals of one kind and value arrived
 * on one UTC day, kept up to date in the transaction that stores them. Key columns hold '' rather than null.
 */
export interface InsightCountTable {
  tenant: string;
  /** UTC day, YYYY-MM-DD: an annotation's received_at, a suggestion's created_at. */
  day: string;
  /** An annotation kind, or `suggestion`. */
  kind: string;
  /** Preference choice, adoption outcome, relevance label; '' for other kinds. */
  value: string;
  /** Preference: left variant; adoption: the variant inserted ('' when none). */
  variant_a: string;
  /** Preference: right variant. */
  variant_b: string;
  n: number;
}
export type InsightCountRow = Selectable<InsightCountTable>;
export type NewInsightCount = Insertable<InsightCountTable>;

export interface Database {
  passages: PassageTable;
  kb_imports: KbImportTable;
  suggestions: SuggestionTable;
  api_keys: ApiKeyTable;
  annotations: AnnotationTable;
  host_config: HostConfigTable;
  page_reports: PageReportTable;
  passage_vectors: PassageVectorTable;
  model_versions: ModelVersionTable;
  flywheel_runs: FlywheelRunTable;
  gate_results: GateResultTable;
  audit_log: AuditLogTable;
  export_batches: ExportBatchTable;
  export_archive_chunks: ExportArchiveChunkTable;
  insight_counts: InsightCountTable;
}
