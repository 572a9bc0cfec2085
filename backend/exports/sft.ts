/**
 * `sft`: OpenAI chat fine-tuning (`sft.openai.jsonl.gz`, `{"messages": [...]}`) from replies agents actually sent —
 * verbatim or edited adoptions. The prompt's history stays in with `weight: 0` on its assistant turns, so only the
 * sent reply (`weight: 1`) is trained on; TRL's SFTTrainer reads the same `messages` column.
 */
import { adoptionMetadataOf, cleanIn, promptOf } from './prompt.ts';
import { bump } from './records.ts';
import { openSink } from './sink.ts';
import type { ExportWriter, WriterContext } from './writer.ts';

export function sftWriter(ctx: WriterContext): ExportWriter {
  const sink = openSink(ctx.root, { path: 'sft.openai.jsonl.gz', kind: 'sft', format: 'openai-chat', gzip: true });
  return {
    async write(group) {
      for (const item of group.items) {
        const a = item.annotation;
        if (a.kind !== 'adoption' || (a.outcome !== 'verbatim' && a.outcome !== 'edited')) continue;
        const prompt = promptOf(group);
        if (!prompt) continue;
        const sent = cleanIn(group, a.sentText);
        if (!sent.trim()) {
          bump(ctx.counts, 'skipped.sft.empty_reply');
          continue;
        }
        const reply = `{"role":"assistant","content":${JSON.stringify(sent)},"weight":1}`;
        // The shared history without its closing bracket, then the reply: the prompt is not copied per record.
        const messages = [prompt.weightedHeadBytes, ',', reply, ']'];
        const metadata = adoptionMetadataOf(group, item, a);
        await sink.fields([
          ['messages', messages],
          ['metadata', JSON.stringify(metadata)],
        ]);
      }
    },
    async finish() {
      return [await sink.close()];
    },
  };
}
