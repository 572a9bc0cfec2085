/**
 * `dpo`: preference pairs, written twice — TRL's conversational form (`dpo.trl.jsonl.gz`: prompt, chosen, rejected)
 * and OpenAI's preference fine-tuning form (`dpo.openai.jsonl.gz`: input.messages, preferred_output,
 * non_preferred_output). Pairs come from
 * - pairwise choices: the chosen side beats the other; strength and the side each reply was shown on are kept
 *   (position bias is real); ties and "both bad" make no pair;
 * - edits: the reply the agent sent beats the suggestion they edited.
 */
import type { AnnotationOf } from '../../shared/index.ts';
import { assistantJsonIn, cleanIn, promptOf, provenanceOf, rationaleOf } from './prompt.ts';
import type { ExportAnnotation, SuggestionGroup } from './group.ts';
import { bump } from './records.ts';
import { openSink } from './sink.ts';
import type { ExportWriter, WriterContext } from './writer.ts';

interface Pair {
  chosen: string;
  rejected: string;
  metadata: Record<string, unknown>;
}

function candidateText(group: SuggestionGroup, id: string | undefined): string | undefined {
  const c = id === undefined ? undefined : group.suggestion?.candidates.find((x) => x.candidateId === id);
  return c && c.text.trim() ? cleanIn(group, c.text) : undefined;
}

function preferencePair(group: SuggestionGroup, item: ExportAnnotation, a: AnnotationOf<'preference'>, ctx: WriterContext): Pair | undefined {
  if (a.choice === 'tie' || a.choice === 'both_bad') return (bump(ctx.counts, `skipped.dpo.${a.choice}`), undefined);
  const left = candidateText(group, a.leftCandidateId);
  const right = candidateText(group, a.rightCandidateId);
  if (left === undefined || right === undefined) return (bump(ctx.counts, 'skipped.dpo.unknown_candidate'), undefined);
  const leftWins = a.choice === 'left';
  return {
    chosen: leftWins ? left : right,
    rejected: leftWins ? right : left,
    metadata: {
      source: 'preference',
      strength: a.strength ?? null,
      chosenPosition: a.choice,
      chosenCandidateId: leftWins ? a.leftCandidateId : a.rightCandidateId,
      rejectedCandidateId: leftWins ? a.rightCandidateId : a.leftCandidateId,
      chosenVariantId: leftWins ? a.leftVariantId : a.rightVariantId,
      rejectedVariantId: leftWins ? a.rightVariantId : a.leftVariantId,
      provenance: provenanceOf(group, [item]),
    },
  };
}

function editPair(group: SuggestionGroup, item: ExportAnnotation, a: AnnotationOf<'adoption'>, ctx: WriterContext): Pair | undefined {
  if (a.outcome !== 'edited') return undefined;
  const suggested = candidateText(group, a.candidateId);
  const sent = cleanIn(group, a.sentText);
  if (suggested === undefined) return (bump(ctx.counts, 'skipped.dpo.unknown_candidate'), undefined);
  if (!sent.trim() || sent.trim() === suggested.trim()) return (bump(ctx.counts, 'skipped.dpo.no_change'), undefined);
  return {
    chosen: sent,
    rejected: suggested,
    metadata: {
      source: 'edit',
      similarity: a.similarity ?? null,
      candidateId: a.candidateId ?? null,
      variantId: a.variantId ?? null,
      rationale: rationaleOf(group, a.id),
      provenance: provenanceOf(group, [item]),
    },
  };
}

export function dpoWriter(ctx: WriterContext): ExportWriter {
  const trl = openSink(ctx.root, { path: 'dpo.trl.jsonl.gz', kind: 'dpo', format: 'trl-dpo-conversational', gzip: true });
  const openai = openSink(ctx.root, { path: 'dpo.openai.jsonl.gz', kind: 'dpo', format: 'openai-preference', gzip: true });
  return {
    async write(group) {
      for (const item of group.items) {
        const a = item.annotation;
        if (a.kind !== 'preference' && !(a.kind === 'adoption' && a.outcome === 'edited')) continue;
        const prompt = promptOf(group);
        if (!prompt) continue;
        const pair = a.kind === 'preference' ? preferencePair(group, item, a, ctx) : editPair(group, item, a, ctx);
        if (!pair) continue;
        const chosen = assistantJsonIn(group, pair.chosen);
        const rejected = assistantJsonIn(group, pair.rejected);
        const metadata = JSON.stringify(pair.metadata);
        await trl.fields([
          ['prompt', prompt.jsonBytes],
          ['chosen', chosen],
          ['rejected', rejected],
          ['metadata', metadata],
        ]);
        const input = ['{"messages":', prompt.jsonBytes, ',"tools":[],"parallel_tool_calls":true}'];
        await openai.fields([
          ['input', input],
          ['preferred_output', chosen],
          ['non_preferred_output', rejected],
          ['metadata', metadata],
        ]);
      }
    },
    async finish() {
      return [await trl.close(), await openai.close()];
    },
  };
}
