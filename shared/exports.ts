/**
 * Training-set exports: what an analyst asks for (`ExportRequest`), the batch it becomes (`ExportBatch`), the
 * `manifest.json` that says exactly what a batch holds (`ExportManifest`), and the shape of every record written,
 * one schema per file format. Field names follow the trainers the records are meant for (TRL, OpenAI fine-tuning,
 * sentence-transformers, FlagEmbedding, BEIR); `metadata` carries each record's provenance and is the one key a
 * strict consumer has to drop.
 */
import { z } from 'zod';
import { RationaleReason } from './annotations.ts';

/** Version of the export layout (file names, record shapes, manifest). Bumped on any breaking change. */
export const EXPORT_SCHEMA_VERSION = 1 as const;

export const EXPORT_KINDS = ['dpo', 'sft', 'kto', 'retrieval', 'beir', 'gaps'] as const;
export const ExportKind = z.enum(EXPORT_KINDS);
export type ExportKind = z.infer<typeof ExportKind>;

/** Fixed number of negatives in every sentence-transformers n-tuple row (the columns must be the same in every row). */
export const NTUPLE_NEGATIVES = 3;

export const ExportFilters = z.strictObject({
  /** Only annotations the quality gate ran on and kept (weight > 0); annotations it never saw are left out. */
  passedGate: z.boolean().optional(),
  /** Only annotations whose gate weight is at least this (1 for annotations the gate has not seen). */
  minWeight: z.number().min(0).max(1).optional(),
  /** Leave out the reply signals (dpo, sft, kto) of any suggestion a rationale gave one of these reasons for. */
  excludeReasons: z.array(RationaleReason).max(8).optional(),
  /** Leave out adoptions whose edit similarity is below this (verbatim counts as 1). */
  minEditSimilarity: z.number().min(0).max(1).optional(),
});
export type ExportFilters = z.infer<typeof ExportFilters>;

const Instant = z.iso.datetime({ offset: true });

/** POST /v1/exports. `since: "last"` starts where the caller's previous batch ended. */
export const ExportRequest = z
  .strictObject({
    kinds: z
      .array(z.union([ExportKind, z.literal('all')]))
      .min(1)
      .max(EXPORT_KINDS.length + 1),
    /** Annotations received at or after this instant, or `last`: from the end of the caller's previous batch. */
    since: z.union([z.literal('last'), Instant]).optional(),
    /** Annotations received before this instant (default: now, less the export lag). */
    until: Instant.optional(),
    filters: ExportFilters.optional(),
    archive: z.enum(['tar.gz', 'zip']).optional(),
  })
  .superRefine((r, ctx) => {
    if (r.since && r.since !== 'last' && r.until && Date.parse(r.since) >= Date.parse(r.until)) {
      ctx.addIssue({ code: 'custom', path: ['until'], message: 'must be later than since' });
    }
  });
export type ExportRequest = z.infer<typeof ExportRequest>;

/** A request as a batch records it: kinds expanded and in canonical order, defaults filled in. */
export const NormalisedExportRequest = z.object({
  kinds: z.array(ExportKind),
  since: z.string().optional(),
  until: z.string().optional(),
  filters: ExportFilters,
  archive: z.enum(['tar.gz', 'zip']),
});
export type NormalisedExportRequest = z.infer<typeof NormalisedExportRequest>;

/** The expanded, deduplicated kinds in EXPORT_KINDS order, and defaults filled in. */
export function normaliseExportRequest(r: ExportRequest): NormalisedExportRequest {
  const wanted = new Set(r.kinds.includes('all') ? EXPORT_KINDS : r.kinds);
  return {
    kinds: EXPORT_KINDS.filter((k) => wanted.has(k)),
    ...(r.since === undefined ? {} : { since: r.since }),
    ...(r.until === undefined ? {} : { until: r.until }),
    filters: r.filters ?? {},
    archive: r.archive ?? 'tar.gz',
  };
}

/** The received-at window of a batch, half open: from (inclusive, null = the beginning) to (exclusive). */
export const ExportWindow = z.object({ from: z.string().nullable(), to: z.string() });
export type ExportWindow = z.infer<typeof ExportWindow>;

export const ExportFile = z.object({
  /** Path inside the batch (and the archive), `/`-separated. */
  path: z.string(),
  kind: ExportKind,
  /** The record format, e.g. `trl-dpo-conversational`, `openai-preference`, `beir-qrels`. */
  format: z.string(),
  records: z.number().int().nonnegative(),
  bytes: z.number().int().nonnegative(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
});
export type ExportFile = z.infer<typeof ExportFile>;

export const ExportManifest = z.object({
  schemaVersion: z.literal(EXPORT_SCHEMA_VERSION),
  batchId: z.string(),
  tenant: z.string(),
  created: z.string(),
  createdBy: z.string(),
  window: ExportWindow,
  kinds: z.array(ExportKind),
  filters: ExportFilters,
  files: z.array(ExportFile),
  /** Annotations read, by kind, and how many each filter or missing join left out. */
  counts: z.record(z.string(), z.number().int().nonnegative()),
  /**
   * Preferences and relevance labels left out because the same agent later recorded another on the same suggestion
   * (snippet); absent when none were, and in manifests written before the rule.
   */
  superseded: z.number().int().nonnegative().optional(),
  /**
   * Why the batch holds no record, when it holds none: which of the window, the export lag, the tenant, the kinds or
   * the filters left nothing (backend/exports/empty.ts). Absent when it holds records.
   */
  emptyReason: z.string().optional(),
  /**
   * The first records of each file that holds any, by path (at most EXPORT_PREVIEW_RECORDS and about
   * EXPORT_PREVIEW_FILE_BYTES a file; JSON lines parsed, CSV and TSV lines as text): what
   * GET /v1/exports/:id/preview answers. Kept with the batch in the store, not written into manifest.json, and left out
   * of the batch list and detail answers; absent in batches made before.
   */
  preview: z.record(z.string(), z.array(z.unknown())).optional(),
  /** Agreement among annotators where two or more judged the same thing. */
  agreement: z.record(z.string(), z.object({ items: z.number().int(), unanimous: z.number().int(), rate: z.number().nullable() })),
  redaction: z.object({ function: z.string(), placeholders: z.array(z.string()), appliedTo: z.string(), dropped: z.array(z.string()) }),
  /** Model and index versions of the suggestions the records come from, sorted. */
  modelVersions: z.array(z.string()),
  indexVersions: z.array(z.string()),
  /** The prompt variant whose system prompt the dpo, sft and kto prompts use. */
  promptVariant: z.string(),
});
export type ExportManifest = z.infer<typeof ExportManifest>;

/** Most records of a file a batch's manifest keeps for its preview, and about how much text of each file. */
export const EXPORT_PREVIEW_RECORDS = 20;
export const EXPORT_PREVIEW_FILE_BYTES = 32 * 1024;

/** GET /v1/exports/:id/preview?file=&limit=: the first records of one file of a batch. */
export const ExportPreviewQuery = z.strictObject({
  file: z.string().min(1).max(200).describe("A file's path as the manifest lists it, e.g. `dpo.trl.jsonl.gz` or `beir/qrels/test.tsv`"),
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(EXPORT_PREVIEW_RECORDS)
    .optional()
    .describe(`How many records, 1 to ${EXPORT_PREVIEW_RECORDS} (default 5)`),
});
export type ExportPreviewQuery = z.infer<typeof ExportPreviewQuery>;

export const ExportPreview = z.object({
  batchId: z.string(),
  file: z.string(),
  format: z.string(),
  /** Records in the whole file. */
  total: z.number().int().nonnegative(),
  /** Its first records: JSON lines parsed, CSV and TSV lines (header first) as text. Fewer than asked when the file's preview is shorter. */
  records: z.array(z.unknown()),
});
export type ExportPreview = z.infer<typeof ExportPreview>;

/** `expired`: was ready; its archive was removed after AITL_EXPORT_RETENTION_DAYS (the manifest stays). */
export const ExportStatus = z.enum(['pending', 'running', 'ready', 'failed', 'expired']);
export type ExportStatus = z.infer<typeof ExportStatus>;

/** GET /v1/exports/:id. */
export const ExportBatch = z.object({
  id: z.string(),
  status: ExportStatus,
  createdAt: z.string(),
  /** Who made it: the API key's id, or `cli`. */
  createdBy: z.string(),
  /** The name of that key when it has one (a revoked key's too); null for `cli` and unnamed or deleted keys. */
  createdByName: z.string().nullable(),
  finishedAt: z.string().nullable(),
  window: ExportWindow,
  request: NormalisedExportRequest,
  manifest: ExportManifest.nullable(),
  error: z.string().nullable(),
  /** The downloadable archive once ready: file name, size and SHA-256. */
  archive: z.object({ name: z.string(), bytes: z.number().int(), sha256: z.string() }).nullable(),
});
export type ExportBatch = z.infer<typeof ExportBatch>;

export const ExportBatchList = z.object({ items: z.array(ExportBatch) });
export type ExportBatchList = z.infer<typeof ExportBatchList>;

// ---- Records, one schema per file format ----

const GateReasonShape = z.object({ rule: z.string(), detail: z.string() });

/** Where a record comes from: every annotation behind it with its annotator and quality-gate verdict. */
export const ExportProvenance = z.object({
  tenant: z.string(),
  suggestionId: z.string(),
  ticketId: z.string(),
  host: z.string(),
  modelVersion: z.string(),
  indexVersion: z.string(),
  annotations: z.array(
    z.object({
      id: z.string(),
      kind: z.string(),
      agent: z.string(),
      clientTime: z.string(),
      receivedAt: z.string(),
      gate: z.object({ status: z.enum(['passed', 'set_aside', 'not_run']), weight: z.number(), reasons: z.array(GateReasonShape) }),
    }),
  ),
});
export type ExportProvenance = z.infer<typeof ExportProvenance>;

const Meta = z.object({ provenance: ExportProvenance }).loose();
const ChatMessage = z.strictObject({ role: z.enum(['system', 'user', 'assistant']), content: z.string() });
const Assistant = z.tuple([z.strictObject({ role: z.literal('assistant'), content: z.string().min(1) })]);

/** `dpo.trl.jsonl.gz`: TRL DPOTrainer, conversational form. */
export const TrlDpoRecord = z.strictObject({ prompt: z.array(ChatMessage).min(2), chosen: Assistant, rejected: Assistant, metadata: Meta });
/** `dpo.openai.jsonl.gz`: OpenAI preference fine-tuning. */
export const OpenAiDpoRecord = z.strictObject({
  input: z.strictObject({ messages: z.array(ChatMessage).min(2), tools: z.array(z.unknown()).length(0), parallel_tool_calls: z.literal(true) }),
  preferred_output: Assistant,
  non_preferred_output: Assistant,
  metadata: Meta,
});
/** `sft.openai.jsonl.gz`: OpenAI chat fine-tuning; history weight 0, the sent reply weight 1. */
export const SftRecord = z.strictObject({
  messages: z
    .array(
      z.strictObject({
        role: z.enum(['system', 'user', 'assistant']),
        content: z.string(),
        weight: z.union([z.literal(0), z.literal(1)]).optional(),
      }),
    )
    .min(3),
  metadata: Meta,
});
/** `kto.trl.jsonl.gz`: TRL KTOTrainer, unpaired conversational form. */
export const KtoRecord = z.strictObject({ prompt: z.array(ChatMessage).min(2), completion: Assistant, label: z.boolean(), metadata: Meta });
/** `retrieval.ntuple.jsonl.gz`: sentence-transformers n-tuple with NTUPLE_NEGATIVES negatives, verified ones first. */
export const NTupleRecord = z.strictObject({
  anchor: z.string().min(1),
  positive: z.string().min(1),
  ...Object.fromEntries(Array.from({ length: NTUPLE_NEGATIVES }, (_, i) => [`negative_${i + 1}`, z.string().min(1)])),
  metadata: Meta,
});
/** `retrieval.bge.jsonl.gz`: FlagEmbedding / BGE fine-tuning. */
export const BgeRecord = z.strictObject({
  query: z.string().min(1),
  pos: z.array(z.string()).min(1),
  neg: z.array(z.string()).min(1),
  metadata: Meta,
});
/** `beir/corpus.jsonl`, `beir/queries.jsonl`. */
export const BeirCorpusRecord = z.strictObject({ _id: z.string(), title: z.string(), text: z.string(), metadata: z.record(z.string(), z.unknown()) });
export const BeirQueryRecord = z.strictObject({ _id: z.string(), text: z.string(), metadata: z.object({ provenance: ExportProvenance }).loose() });
/** One missing-knowledge report as the gap queue lists it. */
const GapReport = z.strictObject({
  id: z.string(),
  agent: z.string(),
  ticketId: z.string(),
  suggestionId: z.string(),
  description: z.string(),
  proposedTitle: z.string().nullable(),
  outdatedArticleId: z.string().nullable(),
  /** The retrieval query of the suggestion the report was made on, when known. */
  query: z.string().nullable(),
  clientTime: z.string(),
  receivedAt: z.string(),
});
/** `gaps.jsonl.gz`: the missing-knowledge queue, one group of similar reports a line, biggest first. */
export const GapRecord = z.strictObject({
  id: z.string(),
  title: z.string(),
  count: z.number().int().positive(),
  agents: z.number().int().positive(),
  firstSeen: z.string(),
  lastSeen: z.string(),
  exampleTickets: z.array(z.string()),
  outdatedArticleIds: z.array(z.string()),
  reports: z.array(GapReport).min(1),
  metadata: z.object({ provenance: z.array(ExportProvenance).min(1) }).loose(),
});
/** Columns of `gaps.csv.gz`: one row per report, in queue order, with its group's id, title and size. */
export const GAP_CSV_COLUMNS = [
  'gap_id',
  'gap_title',
  'gap_count',
  'report_id',
  'received_at',
  'agent',
  'ticket_id',
  'suggestion_id',
  'description',
  'proposed_title',
  'outdated_article_id',
  'query',
  'gate_status',
  'gate_weight',
] as const;
