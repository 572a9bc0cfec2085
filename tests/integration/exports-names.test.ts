/**
 * Issue 16: the requester's and the agent's names never reach an export, even when the signals arrive with them
 * (an older extension, a name the page did not show): the server redacts on the way in what it can know (the names a
 * suggestion request shows, names greeted or signed with) and the exports again on the way out.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { Hono } from 'hono';
import { afterAll, describe, expect, it } from 'vitest';
import { createApp } from '../../backend/app.ts';
import type { AppDeps } from '../../backend/deps.ts';
import { createApiKey } from '../../backend/store/api-keys.ts';
import { type Annotation, ExportBatch, SCHEMA_VERSION, SuggestionResponse, SyncResponse, type TicketContext, uuidv7 } from '../../shared/index.ts';
import { untar } from '../unit/exports/unpack.ts';
import { createTestDeps, DIALECTS, useDatabase } from './dialects.ts';

const exportDirs: string[] = [];
afterAll(() => {
  for (const dir of exportDirs) rmSync(dir, { recursive: true, force: true });
});

const NAMES = /eleanor|pryce|okafor|\bdev\b/i;

const TICKET: TicketContext = {
  host: 'demo',
  ticketId: '1001',
  subject: 'Lamp arrived with a cracked base - refund please',
  requester: { name: 'Eleanor Pryce', email: 'eleanor.pryce@example.com' },
  messages: [
    { role: 'customer', author: 'Eleanor Pryce', text: 'Hi, my lamp (order JV-20481736) arrived with a cracked base. How do I get a refund?' },
    { role: 'agent', author: 'Dev Okafor', text: 'Hi Eleanor, sorry to hear that. Could you send a photo of the damage?\n\nBest,\nDev' },
    { role: 'customer', author: 'Eleanor Pryce', text: 'Thanks Dev. Photo attached. Do I need to send the lamp back for a refund?' },
  ],
};

describe.each(DIALECTS)('names in exports on $name', (dialect) => {
  let deps: AppDeps;
  let app: Hono;

  useDatabase(
    dialect,
    async (database) => {
      deps = await createTestDeps(database);
      const exportDir = mkdtempSync(join(tmpdir(), 'aitl-exports-'));
      exportDirs.push(exportDir);
      app = createApp({ ...deps, config: { ...deps.config, auth: 'required', exportDir, exportLagSeconds: 0 } });
    },
    async () => {
      // The demo help centre stays: suggestions are asked for.
      for (const table of [
        'annotations',
        'suggestions',
        'api_keys',
        'export_archive_chunks',
        'export_batches',
        'audit_log',
        'gate_results',
      ] as const) {
        await deps.store.db.deleteFrom(table).execute();
      }
    },
  );

  const call = (key: string, path: string, init: RequestInit = {}) =>
    app.request(path, { ...init, headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' } });

  it("writes neither the requester's nor the agent's name in any DPO, SFT, KTO, retrieval, BEIR or gaps record", async () => {
    const agentKey = (await createApiKey(deps.store.db, { tenant: 'acme', role: 'agent' })).key;
    const analystKey = (await createApiKey(deps.store.db, { tenant: 'acme', role: 'analyst' })).key;

    const res = await call(agentKey, '/v1/suggestions', { method: 'POST', body: JSON.stringify({ ticket: TICKET, agent: 'agent-7' }) });
    expect(res.status).toBe(200);
    const shown = SuggestionResponse.parse(await res.json());
    // The agent is still greeted the customer by name: only what is kept is redacted.
    expect(shown.candidates[0]!.text).toMatch(/^Hi Eleanor,/);
    const row = await deps.store.db
      .selectFrom('suggestions')
      .select(['candidates', 'ticket', 'query'])
      .where('id', '=', shown.suggestionId)
      .executeTakeFirstOrThrow();
    expect(JSON.stringify(row)).not.toMatch(NAMES);

    const base = (kind: Annotation['kind'], at: number) => ({
      id: uuidv7(),
      schemaVersion: SCHEMA_VERSION,
      tenant: 'acme',
      agent: 'agent-7',
      host: 'demo',
      ticketId: '1001',
      suggestionId: shown.suggestionId,
      modelVersion: shown.modelVersion,
      indexVersion: shown.indexVersion,
      clientTime: new Date(Date.UTC(2026, 10, 20, 9, 0, at)).toISOString(),
      kind,
    });
    const [first, second] = shown.candidates;
    const edited = {
      ...base('adoption', 10),
      outcome: 'edited',
      candidateId: first!.candidateId,
      variantId: first!.variantId,
      similarity: 0.6,
      sentText: `${first!.text}\n\nKind regards,\nDev Okafor`,
    };
    // As an older extension would send them: names unredacted.
    const items = [
      ...shown.snippets.map((s, i) => ({
        ...base('relevance', i),
        snippetId: s.snippetId,
        articleId: s.articleId,
        rank: s.rank,
        label: i === 0 ? 'relevant' : 'irrelevant',
      })),
      {
        ...base('preference', 9),
        choice: 'left',
        strength: 'clear',
        leftCandidateId: first!.candidateId,
        rightCandidateId: second!.candidateId,
        leftVariantId: first!.variantId,
        rightVariantId: second!.variantId,
      },
      edited,
      {
        ...base('adoption', 11),
        outcome: 'verbatim',
        candidateId: second!.candidateId,
        variantId: second!.variantId,
        similarity: 1,
        sentText: second!.text,
      },
      { ...base('rationale', 12), adoptionId: edited.id, reasons: ['wrong_tone'], note: 'Should open with Dear Eleanor, and sign off as Dev.' },
      {
        ...base('missing_knowledge', 13),
        description: 'Customer wrote: "Thanks Dev. Do I need to send the lamp back?" No article says.',
        proposedTitle: 'Cracked lamps: refund without return',
      },
    ];
    const sync = SyncResponse.parse(
      await (await call(agentKey, '/v1/annotations:batch', { method: 'POST', body: JSON.stringify({ items }) })).json(),
    );
    expect(
      sync.results.every((r) => r.status === 'accepted'),
      JSON.stringify(sync.results),
    ).toBe(true);
    const stored = await deps.store.db.selectFrom('annotations').select('payload').where('tenant', '=', 'acme').execute();
    expect(
      stored
        .map((r) => r.payload)
        .join('\n')
        .match(/.{0,60}(eleanor|pryce|okafor|\bdev\b).{0,20}/i)?.[0],
    ).toBeUndefined();

    const created = await call(analystKey, '/v1/exports', { method: 'POST', body: JSON.stringify({ kinds: ['all'] }) });
    expect(created.status).toBe(202);
    const { id } = ExportBatch.parse(await created.json());
    let batch: ExportBatch | undefined;
    for (let i = 0; i < 200 && batch?.status !== 'ready'; i++) {
      await new Promise((r) => setTimeout(r, 25));
      batch = ExportBatch.parse(await (await call(analystKey, `/v1/exports/${id}`)).json());
      expect(batch.status).not.toBe('failed');
    }
    const archive = Buffer.from(await (await call(analystKey, `/v1/exports/${id}/download`)).arrayBuffer());
    const entries = untar(gunzipSync(archive));
    for (const path of [
      'dpo.trl.jsonl.gz',
      'dpo.openai.jsonl.gz',
      'sft.openai.jsonl.gz',
      'kto.trl.jsonl.gz',
      'retrieval.ntuple.jsonl.gz',
      'retrieval.bge.jsonl.gz',
      'gaps.jsonl.gz',
      'gaps.csv.gz',
    ]) {
      expect(batch!.manifest!.files.find((f) => f.path === path)!.records, path).toBeGreaterThan(0);
    }
    for (const [path, bytes] of entries) {
      const text = (path.endsWith('.gz') ? gunzipSync(bytes) : bytes).toString('utf8');
      expect(text.match(/.{0,60}(eleanor|pryce|okafor|\bdev\b).{0,20}/i)?.[0], path).toBeUndefined();
    }
    const dpo = gunzipSync(entries.get('dpo.trl.jsonl.gz')!).toString('utf8');
    expect(dpo).toContain('Hi [name],');
  });
});
