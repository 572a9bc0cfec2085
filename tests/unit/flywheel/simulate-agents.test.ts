import { describe, expect, it } from 'vitest';
import { Annotation, SuggestionResponse, type TicketContext } from '../../../shared/index.ts';
import { prng } from '../../../backend/prng.ts';
import { tokenF1 } from '../../../backend/eval/reply-metrics.ts';
import {
  actOnSuggestion,
  choosePreference,
  closerCandidate,
  DEFAULT_AGENT_SETTINGS,
  judgeRelevance,
  needsKnowledge,
  TICKET_MS,
} from '../../../backend/flywheel/simulate/agents.ts';

const honest = { name: 'sim-agent-01', positionBiased: false };
const biased = { name: 'sim-agent-08', positionBiased: true };
const quiet = { ...DEFAULT_AGENT_SETTINGS, noise: 0 };
const ticket: TicketContext = { host: 'beir', ticketId: 'q1', messages: [{ role: 'customer', text: 'Is parking free at the Acorn hotel?' }] };
const gold = 'Yes, parking at the Acorn is free for guests.';

function response(articleIds: string[], candidates: { text: string; cites: number[] }[]): SuggestionResponse {
  const suggestionId = '0190a000-0000-7000-8000-000000000001';
  return SuggestionResponse.parse({
    suggestionId,
    query: 'parking acorn',
    snippets: articleIds.map((articleId, i) => ({
      snippetId: `${articleId}#p${i}`,
      articleId,
      title: articleId,
      text: 'text',
      url: '',
      score: 1 / (i + 1),
      rank: i + 1,
    })),
    candidates: candidates.map((c, i) => ({
      candidateId: `${suggestionId}:${i}`,
      variantId: i === 0 ? 'extractive-concise@2' : 'extractive-detailed@2',
      text: c.text,
      citations: c.cites.map((j) => `${articleIds[j]}#p${j}`),
    })),
    modelVersion: 'builtin-extractive@1',
    indexVersion: 'bm25f-facets@2+rerank-linear-1@x',
    retrieved: 75,
    createdAt: new Date(0).toISOString(),
  });
}

describe('simulated relevance labels', () => {
  it('equal the qrels without noise (highest grade relevant, a lower one partly)', () => {
    const relevant = new Map([
      ['a', 2],
      ['c', 1],
    ]);
    expect(judgeRelevance(['a', 'b', 'c', 'd'], relevant, 0, prng(1))).toEqual(['relevant', 'irrelevant', 'partly', 'irrelevant']);
    expect(judgeRelevance(['a', 'b'], new Map([['a', 1]]), 0, prng(2))).toEqual(['relevant', 'irrelevant']);
  });

  it('flip at about the noise rate', () => {
    const ids = Array.from({ length: 4000 }, (_, i) => `d${i}`);
    const labels = judgeRelevance(ids, new Map(), 0.1, prng(3));
    const flipped = labels.filter((l) => l === 'relevant').length / ids.length;
    expect(flipped).toBeGreaterThan(0.085);
    expect(flipped).toBeLessThan(0.115);
  });
});

describe('simulated preferences', () => {
  const closer = { text: 'Parking at the Acorn is free for guests.', grounded: true };
  const farther = { text: 'Breakfast is served from seven.', grounded: true };

  it('go to the candidate with the higher token F1 against the gold reply, on either side', () => {
    expect(tokenF1(closer.text, gold)).toBeGreaterThan(tokenF1(farther.text, gold));
    expect(choosePreference(honest, closer, farther, gold, quiet, prng(1))).toEqual({ choice: 'left', strength: 'strong' });
    expect(choosePreference(honest, farther, closer, gold, quiet, prng(1)).choice).toBe('right');
    expect(closerCandidate([farther.text, closer.text], gold)).toBe(1);
  });

  it('are a tie for equal replies and "both bad" when neither is grounded in a relevant snippet', () => {
    expect(choosePreference(honest, closer, { ...closer }, gold, quiet, prng(1)).choice).toBe('tie');
    expect(choosePreference(honest, { ...closer, grounded: false }, { ...farther, grounded: false }, gold, quiet, prng(1)).choice).toBe('both_bad');
  });

  it('of a position-biased agent pick the left reply at the set rate, whatever the replies', () => {
    const random = prng(4);
    const n = 4000;
    let left = 0;
    for (let i = 0; i < n; i++) {
      const [a, b] = i % 2 ? [closer, farther] : [farther, closer];
      if (choosePreference(biased, a, b, gold, { ...quiet, leftRate: 0.85 }, random).choice === 'left') left++;
    }
    expect(left / n).toBeGreaterThan(0.83);
    expect(left / n).toBeLessThan(0.87);
  });

  it('of an honest agent pick the left reply about half the time when the order is random', () => {
    const random = prng(5);
    let left = 0;
    for (let i = 0; i < 2000; i++) {
      const [a, b] = random() < 0.5 ? [closer, farther] : [farther, closer];
      if (choosePreference(honest, a, b, gold, { ...quiet, noise: 0.1 }, random).choice === 'left') left++;
    }
    expect(left / 2000).toBeGreaterThan(0.45);
    expect(left / 2000).toBeLessThan(0.55);
  });
});

describe('missing knowledge', () => {
  it('is reported exactly when no shown snippet was found relevant', () => {
    expect(needsKnowledge(['irrelevant', 'irrelevant'])).toBe(true);
    expect(needsKnowledge(['irrelevant', 'partly'])).toBe(false);
    expect(needsKnowledge([])).toBe(true);
    const none = actOnSuggestion(
      honest,
      response(
        ['x', 'y'],
        [
          { text: 'A', cites: [0] },
          { text: 'B', cites: [1] },
        ],
      ),
      { ticket, relevant: new Map([['z', 1]]), gold },
      quiet,
      prng(1),
      0,
    );
    const some = actOnSuggestion(
      honest,
      response(
        ['x', 'z'],
        [
          { text: 'A', cites: [0] },
          { text: 'B', cites: [1] },
        ],
      ),
      { ticket, relevant: new Map([['z', 1]]), gold },
      quiet,
      prng(1),
      0,
    );
    expect(none.filter((a) => a.kind === 'missing_knowledge')).toMatchObject([{ description: 'Is parking free at the Acorn hotel?' }]);
    expect(some.some((a) => a.kind === 'missing_knowledge')).toBe(false);
  });
});

describe('actOnSuggestion', () => {
  const shown = response(
    ['a', 'b', 'c'],
    [
      { text: 'Breakfast is served from seven.', cites: [1] },
      { text: 'Parking at the Acorn is free for guests.', cites: [0] },
    ],
  );
  const acts = actOnSuggestion(honest, shown, { ticket, relevant: new Map([['a', 1]]), gold }, quiet, prng(7), Date.parse('2026-01-05T09:00:00Z'));

  it('records valid annotations, as the extension would', () => {
    for (const a of acts) expect(Annotation.safeParse(a).success).toBe(true);
    expect(acts.map((a) => a.kind)).toEqual(['relevance', 'relevance', 'relevance', 'preference', 'adoption']);
    expect(new Set(acts.map((a) => a.id)).size).toBe(acts.length);
    expect(acts[0]).toMatchObject({
      tenant: 'default',
      agent: 'sim-agent-01',
      host: 'beir',
      ticketId: 'q1',
      suggestionId: shown.suggestionId,
      rank: 1,
      label: 'relevant',
    });
  });

  it('prefers and inserts the closer candidate, sends the gold reply, outcome by edit similarity', () => {
    const preference = acts.find((a) => a.kind === 'preference')!;
    if (preference.kind !== 'preference') throw new Error('no preference');
    const picked = preference.choice === 'left' ? preference.leftCandidateId : preference.rightCandidateId;
    expect(picked).toBe(shown.candidates[1]!.candidateId);
    expect(acts.find((a) => a.kind === 'adoption')).toMatchObject({
      candidateId: shown.candidates[1]!.candidateId,
      sentText: gold,
      outcome: 'edited',
    });
  });

  it('staggers signals seconds apart, within one ticket slot', () => {
    const times = acts.map((a) => Date.parse(a.clientTime));
    for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(2_000);
    expect(times[times.length - 1]! - Date.parse('2026-01-05T09:00:00Z')).toBeLessThan(TICKET_MS);
  });

  it('is deterministic for a seed', () => {
    const again = actOnSuggestion(honest, shown, { ticket, relevant: new Map([['a', 1]]), gold }, quiet, prng(7), Date.parse('2026-01-05T09:00:00Z'));
    expect(again).toEqual(acts);
  });
});
