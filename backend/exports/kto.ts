/**
 * `kto`: unpaired examples for TRL's KTOTrainer (`kto.trl.jsonl.gz`: prompt, completion, label) from what became of
 * each suggestion an agent used:
 * - verbatim: the suggestion, `true`;
 * - edited: the suggestion, `false`, and the reply as sent, `true`;
 * - rejected (cleared or rewritten): the suggestion, `false`.
 * `metadata.completionSource` says whether the completion is the suggestion or the sent reply.
 */
import { adoptionMetadataOf, assistantJsonIn, cleanIn, promptOf } from './prompt.ts';
import { bump } from './records.ts';
import { openSink } from './sink.ts';
import type { ExportWriter, WriterContext } from './writer.ts';

export function ktoWriter(ctx: WriterContext): ExportWriter {
  const sink = openSink(ctx.root, { path: 'kto.trl.jsonl.gz', kind: 'kto', format: 'trl-kto-conversational', gzip: true });
  return {
    async write(group) {
      for (const item of group.items) {
        const a = item.annotation;
        if (a.kind !== 'adoption' || a.outcome === 'ignored') continue;
        const prompt = promptOf(group);
        if (!prompt) continue;
        const candidate = group.suggestion?.candidates.find((c) => c.candidateId === a.candidateId);
        if (!candidate || !candidate.text.trim()) {
          bump(ctx.counts, 'skipped.kto.unknown_candidate');
          continue;
        }
        const examples: [string, boolean, 'suggestion' | 'sent'][] = [[cleanIn(group, candidate.text), a.outcome === 'verbatim', 'suggestion']];
        const sent = cleanIn(group, a.sentText);
        if (a.outcome === 'edited' && sent.trim()) examples.push([sent, true, 'sent']);
        const base = adoptionMetadataOf(group, item, a);
        for (const [text, label, source] of examples) {
          const metadata = JSON.stringify({ completionSource: source, ...base });
          await sink.fields([
            ['prompt', prompt.jsonBytes],
            ['completion', assistantJsonIn(group, text)],
            ['label', String(label)],
            ['metadata', metadata],
          ]);
        }
      }
    },
    async finish() {
      return [await sink.close()];
    },
  };
}
