/**
 * `beir`: the relevance checks as a BEIR folder — `beir/corpus.jsonl` (every snippet shown with a judged query,
 * once), `beir/queries.jsonl` (one query per judged suggestion, its conversation in `metadata.conversation` so
 * `aitl eval` replays the ticket) and `beir/qrels/test.tsv` (the gate-weighted verdict: relevant 2, partly 1,
 * irrelevant 0). Plain text, not gzipped, so the unpacked folder is what `aitl eval --dataset` and
 * `aitl kb import` read. Corpus ids are snippet (passage) ids.
 */
import { cleanIn, promptOf } from './prompt.ts';
import { GRADE, judgementsOf } from './relevance.ts';
import { openSink } from './sink.ts';
import type { ExportWriter, WriterContext } from './writer.ts';

const tsvField = (s: string) => s.replace(/[\t\r\n]+/g, ' ');

export function beirWriter(ctx: WriterContext): ExportWriter {
  const corpus = openSink(ctx.root, { path: 'beir/corpus.jsonl', kind: 'beir', format: 'beir-corpus', gzip: false });
  const queries = openSink(ctx.root, { path: 'beir/queries.jsonl', kind: 'beir', format: 'beir-queries', gzip: false });
  const qrels = openSink(ctx.root, { path: 'beir/qrels/test.tsv', kind: 'beir', format: 'beir-qrels', gzip: false });
  qrels.text('query-id\tcorpus-id\tscore\n');
  /** Passage ids already in the corpus: bounded by the knowledge base, not by the batch. */
  const written = new Set<string>();
  return {
    async write(group) {
      const j = judgementsOf(group);
      const prompt = promptOf(group);
      if (!j || !prompt || !j.snippets.some((s) => s.label !== undefined)) return;
      for (const { snippet: c } of j.snippets) {
        const s = c.snippet;
        if (written.has(s.snippetId)) continue;
        written.add(s.snippetId);
        const doc = { _id: s.snippetId, title: c.title, text: c.text, metadata: { articleId: s.articleId, url: s.url } };
        await corpus.record(`${JSON.stringify(doc)}\n`);
      }
      const ticket = group.suggestion!.ticket;
      const conversation = (ticket?.messages ?? []).filter((m) => m.role !== 'note').map((m) => ({ role: m.role, text: cleanIn(group, m.text) }));
      // {_id, text, metadata: {query, conversation, labels, provenance}}, labels and provenance serialised once per group.
      const head = JSON.stringify({ _id: group.suggestionId, text: prompt.queryText }).slice(0, -1);
      const metadata = JSON.stringify({ query: cleanIn(group, group.suggestion!.query), conversation }).slice(0, -1);
      await queries.record(`${head},"metadata":${metadata},"labels":${j.labelsJson},"provenance":${j.provenanceJson}}}\n`);
      for (const v of j.snippets) {
        if (v.label !== undefined)
          await qrels.record(`${tsvField(group.suggestionId)}\t${tsvField(v.snippet.snippet.snippetId)}\t${GRADE[v.label]}\n`);
      }
    },
    async finish() {
      return [await corpus.close(), await queries.close(), await qrels.close()];
    },
  };
}
