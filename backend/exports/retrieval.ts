/**
 * `retrieval`: retriever / reranker training pairs from relevance checks, in two forms:
 * - `retrieval.ntuple.jsonl.gz`, sentence-transformers n-tuple `{"anchor","positive","negative_1",…}`: one row per
 *   snippet judged relevant, with NTUPLE_NEGATIVES negatives — snippets an agent marked irrelevant for this very
 *   query first (verified hard negatives), then the other unjudged snippets shown, in rank order. A row without
 *   enough negatives is left out (the columns must be the same in every row);
 * - `retrieval.bge.jsonl.gz`, FlagEmbedding `{"query","pos":[…],"neg":[…]}`: one row per query with both.
 * "Partly relevant" snippets are neither positives nor negatives. The anchor is the customer's newest message.
 */
import { NTUPLE_NEGATIVES } from '../../shared/index.ts';
import { promptOf } from './prompt.ts';
import { bump } from './records.ts';
import type { SnippetVerdict } from './group.ts';
import { judgementsOf } from './relevance.ts';
import { openSink, type Piece } from './sink.ts';
import type { ExportWriter, WriterContext } from './writer.ts';

export function retrievalWriter(ctx: WriterContext): ExportWriter {
  const ntuple = openSink(ctx.root, { path: 'retrieval.ntuple.jsonl.gz', kind: 'retrieval', format: 'sentence-transformers-ntuple', gzip: true });
  const bge = openSink(ctx.root, { path: 'retrieval.bge.jsonl.gz', kind: 'retrieval', format: 'bge', gzip: true });
  return {
    async write(group) {
      const j = judgementsOf(group);
      const prompt = promptOf(group);
      if (!j || !prompt) return;
      const positives = j.snippets.filter((s) => s.label === 'relevant');
      const verified = j.snippets.filter((s) => s.label === 'irrelevant');
      const negatives: SnippetVerdict[] = [...verified, ...j.snippets.filter((s) => s.label === undefined)];
      if (positives.length === 0) return bump(ctx.counts, 'skipped.retrieval.no_positive');
      const anchor = JSON.stringify(prompt.queryText);
      // `{…,"labels":…,"provenance":…}` with the group's labels and provenance serialised once (they come last).
      const tail = `,"labels":${j.labelsJson},"provenance":${j.provenanceJson}}`;
      const withTail = (head: object) => `${JSON.stringify(head).slice(0, -1)}${tail}`;
      const ids = (list: SnippetVerdict[]) => list.map((s) => s.snippet.snippet.snippetId);
      for (const positive of positives) {
        if (negatives.length < NTUPLE_NEGATIVES) {
          bump(ctx.counts, 'skipped.retrieval.few_negatives');
          continue;
        }
        const chosen = negatives.slice(0, NTUPLE_NEGATIVES);
        const metadata = {
          positiveId: positive.snippet.snippet.snippetId,
          negativeIds: ids(chosen),
          verifiedNegatives: Math.min(verified.length, NTUPLE_NEGATIVES),
        };
        const parts: [string, Piece][] = [
          ['anchor', anchor],
          ['positive', positive.snippet.passageJson],
        ];
        chosen.forEach((n, i) => parts.push([`negative_${i + 1}`, n.snippet.passageJson]));
        parts.push(['metadata', withTail(metadata)]);
        await ntuple.fields(parts);
      }
      if (negatives.length === 0) return bump(ctx.counts, 'skipped.retrieval.bge_no_negative');
      const metadata = { posIds: ids(positives), negIds: ids(negatives), verifiedNegatives: verified.length };
      // `[p1,p2,…]` from the passages' bytes, encoded once per passage.
      const list = (verdicts: SnippetVerdict[]) => [
        '[',
        ...verdicts.flatMap((s, i) => (i > 0 ? [',', s.snippet.passageJson] : [s.snippet.passageJson])),
        ']',
      ];
      await bge.fields([
        ['query', anchor],
        ['pos', list(positives)],
        ['neg', list(negatives)],
        ['metadata', withTail(metadata)],
      ]);
    },
    async finish() {
      return [await ntuple.close(), await bge.close()];
    },
  };
}
