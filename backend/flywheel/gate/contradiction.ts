/**
 * Contradiction: a snippet labelled irrelevant although the reply sent verbatim for the same suggestion cites it.
 * Sending a reply word for word vouches for what it was written from, so the label is set aside (weight 0) and the
 * detail names the adoption. By default only the labelling agent's own send counts (options.contradictionScope).
 */
import type { AnnotationOf } from '../../../shared/index.ts';
import { type Finding, type GateInput, type GateItem, type GateOptions, keyOf, suggestionOf } from './types.ts';

export function contradiction(input: GateInput, items: readonly GateItem[], options: GateOptions): Finding[] {
  // (tenant, suggestion) → verbatim adoptions with the snippets their candidate cites, earliest key first.
  const verbatim = new Map<string, { adoption: AnnotationOf<'adoption'>; cites: ReadonlySet<string> }[]>();
  for (const item of items) {
    const a = item.annotation;
    if (a.kind !== 'adoption' || a.outcome !== 'verbatim' || a.candidateId === undefined) continue;
    const candidate = suggestionOf(input, a)?.candidates.find((c) => c.candidateId === a.candidateId);
    if (!candidate) continue;
    const at = `${a.tenant}\u0000${a.suggestionId}`;
    let list = verbatim.get(at);
    if (!list) verbatim.set(at, (list = []));
    list.push({ adoption: a, cites: new Set(candidate.citations) });
  }
  const findings: Finding[] = [];
  for (const item of items) {
    const a = item.annotation;
    if (a.kind !== 'relevance' || a.label !== 'irrelevant') continue;
    const sent = verbatim
      .get(`${a.tenant}\u0000${a.suggestionId}`)
      ?.find((v) => v.cites.has(a.snippetId) && (options.contradictionScope === 'any_agent' || v.adoption.agent === a.agent));
    if (!sent) continue;
    const who = sent.adoption.agent === a.agent ? 'the same agent' : `agent ${sent.adoption.agent}`;
    findings.push({
      key: keyOf(item),
      factor: 0,
      reason: {
        rule: 'contradiction',
        detail: `snippet ${a.snippetId} labelled irrelevant, but ${who} sent candidate ${sent.adoption.candidateId}, which cites it, verbatim (adoption ${sent.adoption.id})`,
      },
    });
  }
  return findings;
}
