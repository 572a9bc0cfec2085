import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_HELP_CENTRE, demoTickets } from '../../../backend/demo/tickets.ts';
import { importKnowledge, type ImportSummary } from '../../../backend/kb/import.ts';
import { buildIndex, indexVersion, type KnowledgeIndex, loadIndex, RETRIEVAL_VERSION } from '../../../backend/rag/knowledge-index.ts';
import { SHARED_KNOWLEDGE } from '../../../backend/rag/knowledge-bases.ts';
import { DEFAULT_RERANKER } from '../../../backend/models/reranker.ts';
import { MODEL_VERSION, RETRIEVE_K, SHOW_K, suggest } from '../../../backend/rag/suggest.ts';
import { addCandidate, decide } from '../../../backend/models/registry.ts';
import { openStore, type Store } from '../../../backend/store/connect.ts';
import type { PassageRow } from '../../../backend/store/schema.ts';
import { SuggestionResponse, type SuggestionRequest, UUID_V7 } from '../../../shared/index.ts';
import { expectGrounded } from '../../helpers/grounding.ts';

/** For each demo ticket, the help-centre article an agent would need. */
const RELEVANT: Record<string, string> = {
  '1001': 'damaged-or-defective-items',
  '1002': 'tracking-your-order',
  '1003': 'resetting-your-password',
  '1004': 'vale-plus-billing-and-cancellation',
  '1005': 'smart-lamp-wifi-connection',
  '1006': 'changing-your-delivery-address',
};

let store: Store;
let index: KnowledgeIndex;
let summary: ImportSummary;

beforeAll(async () => {
  store = await openStore(':memory:');
  summary = await importKnowledge(store.db, DEMO_HELP_CENTRE);
  index = await loadIndex(store.db, { tenant: 'default' });
});
afterAll(async () => {
  await store?.close();
});

function requestFor(ticketId: string): SuggestionRequest {
  const t = demoTickets().find((x) => x.ticketId === ticketId)!;
  return { ticket: { host: 'demo', ticketId: t.ticketId, subject: t.subject, requester: t.requester, messages: t.messages } };
}

describe('the demo help centre', () => {
  it('imports as Markdown into many passages', () => {
    expect(summary.format).toBe('markdown');
    expect(summary.articles).toBeGreaterThanOrEqual(40);
    expect(summary.passages).toBeGreaterThan(summary.articles);
    expect(index.passages).toHaveLength(summary.passages);
    expect(index.version).toBe(indexVersion(summary.importId));
    expect(index.version).toBe(`${RETRIEVAL_VERSION}+rerank-${DEFAULT_RERANKER.version}@${summary.importId}`);
  });

  it('has an expected article for every demo ticket, and each exists', () => {
    expect(
      demoTickets()
        .map((t) => t.ticketId)
        .sort(),
    ).toEqual(Object.keys(RELEVANT).sort());
    const articles = new Set(index.passages.map((p) => p.article_id));
    for (const id of Object.values(RELEVANT)) expect(articles.has(id), id).toBe(true);
  });
});

describe('suggest() over the demo help centre', () => {
  it.each(Object.entries(RELEVANT))('ticket %s finds %s among the top snippets', (ticketId, articleId) => {
    const response = suggest(index, requestFor(ticketId), { baseUrl: 'http://127.0.0.1:8787' });
    const articles = response.snippets.map((s) => s.articleId);
    expect(articles, `top ${SHOW_K} for ${ticketId}: ${articles.join(', ')}`).toContain(articleId);
  });

  it.each(Object.keys(RELEVANT))('ticket %s gets a well-formed, grounded response', (ticketId) => {
    const request = requestFor(ticketId);
    const now = new Date('2026-11-20T10:00:00.000Z');
    const response = suggest(index, request, { baseUrl: 'http://127.0.0.1:8787', now });
    expect(SuggestionResponse.parse(response)).toEqual(response);

    expect(response.snippets.length).toBeGreaterThanOrEqual(1);
    expect(response.snippets.length).toBeLessThanOrEqual(SHOW_K);
    expect(response.snippets.map((s) => s.rank)).toEqual(response.snippets.map((_, i) => i + 1));
    for (let i = 1; i < response.snippets.length; i++) expect(response.snippets[i - 1]!.score).toBeGreaterThanOrEqual(response.snippets[i]!.score);
    expect(new Set(response.snippets.map((s) => s.snippetId)).size).toBe(response.snippets.length);
    expect(response.retrieved).toBeLessThanOrEqual(RETRIEVE_K);
    expect(response.retrieved).toBeGreaterThanOrEqual(response.snippets.length);

    expect(response.candidates).toHaveLength(2);
    expect(new Set(response.candidates.map((c) => c.variantId)).size).toBe(2);
    expect(response.candidates.map((c) => c.candidateId)).toEqual([`${response.suggestionId}:0`, `${response.suggestionId}:1`]);
    for (const candidate of response.candidates) {
      expect(candidate.citations.length).toBeGreaterThan(0);
      expectGrounded(candidate, response.snippets);
    }

    const firstName = request.ticket.requester!.name!.split(' ')[0];
    for (const candidate of response.candidates) expect(candidate.text.startsWith(`Hi ${firstName},`)).toBe(true);

    expect(response.suggestionId).toMatch(UUID_V7);
    expect(parseInt(response.suggestionId.replace(/-/g, '').slice(0, 12), 16)).toBe(now.getTime());
    expect(response.createdAt).toBe(now.toISOString());
    expect(response.modelVersion).toBe(MODEL_VERSION);
    expect(response.indexVersion).toBe(index.version);
  });

  it('retrieves the full first stage from a corpus this size', () => {
    expect(suggest(index, requestFor('1001')).retrieved).toBe(RETRIEVE_K);
  });

  it('keeps internal notes out of the query', () => {
    const response = suggest(index, requestFor('1001'));
    expect(response.query).toContain('Marlow ceramic table lamp');
    expect(response.query).not.toContain('Dev Okafor');
    expect(response.query).not.toContain('Checked JV-20481736');
  });

  it('shows the section in the snippet title', () => {
    const response = suggest(index, requestFor('1005'));
    const top = response.snippets[0]!;
    const passage = index.passages.find((p) => p.id === top.snippetId)!;
    const section = (JSON.parse(passage.metadata) as { section?: string }).section;
    expect(section).toBeTruthy();
    expect(top.title).toBe(`${passage.title} — ${section}`);
  });

  it('resolves relative knowledge-base links against baseUrl, and leaves them relative without one', () => {
    const resolved = suggest(index, requestFor('1003'), { baseUrl: 'https://aitl.example:8443' });
    for (const s of resolved.snippets) {
      expect(s.url.startsWith(`https://aitl.example:8443/kb/articles/${s.articleId}`), s.url).toBe(true);
    }
    expect(resolved.snippets.some((s) => s.url.includes('#'))).toBe(true);
    const relative = suggest(index, requestFor('1003'));
    for (const s of relative.snippets) expect(s.url.startsWith(`/kb/articles/${s.articleId}`), s.url).toBe(true);
  });
});

describe('suggest() over a small corpus', () => {
  const passage = (id: string, text: string, url: string): PassageRow => ({
    id,
    tenant: SHARED_KNOWLEDGE,
    article_id: id,
    title: id,
    text,
    url,
    anchor: '',
    position: 0,
    metadata: '{}',
    import_id: 'imp',
    created_at: '2026-01-01T00:00:00.000Z',
  });
  const small = buildIndex(
    [
      passage('absolute', 'Refunds are paid to your card within five days.', 'https://help.example.com/refunds'),
      passage('no-link', 'Refunds for gift cards go back to a new gift card.', ''),
      passage('other', 'Delivery takes three days.', '/kb/articles/other'),
    ],
    'test@1',
  );
  const ask = (text: string) =>
    suggest(small, { ticket: { host: 'demo', ticketId: 'x', messages: [{ role: 'customer', text }] } }, { baseUrl: 'http://aitl.test' });

  it('keeps absolute and empty links as they are', () => {
    const response = ask('When do refunds arrive?');
    expect(Object.fromEntries(response.snippets.map((s) => [s.snippetId, s.url]))).toEqual({
      absolute: 'https://help.example.com/refunds',
      'no-link': '',
    });
  });

  it('retrieves only what matched when the corpus is smaller than the first stage', () => {
    expect(ask('refunds').retrieved).toBe(2);
    expect(ask('delivery').retrieved).toBe(1);
  });

  it('answers with no snippets and no candidates when nothing matches', () => {
    const response = ask('Xylophone zeppelin quasar');
    expect(response.snippets).toEqual([]);
    expect(response.candidates).toEqual([]);
    expect(response.retrieved).toBe(0);
    expect(SuggestionResponse.safeParse(response).success).toBe(true);
  });

  it('greets neutrally when no usable name is known', () => {
    const response = suggest(small, {
      ticket: { host: 'demo', ticketId: 'x', requester: { name: '<script>' }, messages: [{ role: 'customer', text: 'refunds', author: 'x' }] },
    });
    for (const c of response.candidates) expect(c.text.startsWith('Hi there,')).toBe(true);
  });
});

describe('the promoted variant policy', () => {
  it('shows its pair, and the variant on trial in the challenger’s place on a stable share of tickets', async () => {
    const policyStore = await openStore(':memory:');
    try {
      await importKnowledge(policyStore.db, DEMO_HELP_CENTRE);
      const artefact = {
        champion: 'extractive-detailed@2',
        challenger: 'extractive-concise@2',
        trial: { variant: 'extractive-summary@2', share: 0.3 },
        stats: {},
        confidence: null,
      };
      const stored = await addCandidate(policyStore.db, 'acme', {
        kind: 'variants',
        parent: 'variants-default',
        runId: 'run-test',
        inputs: {},
        metrics: {},
        artefact,
      });
      await decide(policyStore.db, stored.id, { promote: true, reason: 'test', metrics: {} });
      const policyIndex = await loadIndex(policyStore.db, { tenant: 'acme' });
      const base = requestFor('1003');
      const shown = Array.from({ length: 300 }, (_, i) => {
        const request = { ticket: { ...base.ticket, ticketId: `t-${i}` } };
        const response = suggest(policyIndex, request);
        expect(response.modelVersion).toBe(`${MODEL_VERSION}+${stored.id}`);
        expect(suggest(policyIndex, request).candidates.map((c) => c.variantId)).toEqual(response.candidates.map((c) => c.variantId));
        return response.candidates.map((c) => c.variantId).join(' ');
      });
      const onTrial = shown.filter((s) => s === 'extractive-detailed@2 extractive-summary@2').length;
      expect(shown.filter((s) => s === 'extractive-detailed@2 extractive-concise@2').length + onTrial).toBe(300);
      expect(onTrial).toBeGreaterThan(60);
      expect(onTrial).toBeLessThan(120);
      // Another tenant keeps the built-in variants: the promoted policy is acme's only.
      expect(suggest(await loadIndex(policyStore.db, { tenant: 'globex' }), base).modelVersion).not.toContain(stored.id);
    } finally {
      await policyStore.close();
    }
  });
});
