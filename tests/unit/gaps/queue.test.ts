import { describe, expect, it } from 'vitest';
import { prng } from '../../../backend/prng.ts';
import { gapTerms, groupGaps } from '../../../backend/gaps/queue.ts';
import { GapGroup, type Annotation, uuidv7, type AnnotationOf } from '../../../shared/index.ts';
import { makeAnnotation } from '../../helpers/annotations.ts';

const T0 = Date.parse('2026-11-20T09:00:00.000Z');
let n = 0;
/** A missing-knowledge report n minutes after T0 (each call one minute later). */
function report(description: string, extra: Record<string, unknown> = {}): Annotation {
  n += 1;
  return makeAnnotation('missing_knowledge', (extra.tenant as string | undefined) ?? 'acme', {
    description,
    proposedTitle: undefined,
    agent: `agent-${n % 3}`,
    ticketId: `t${n}`,
    clientTime: new Date(T0 + n * 60_000).toISOString(),
    // Ids made at their report's time: two made in the same millisecond would otherwise order at random.
    id: uuidv7(T0 + n * 60_000),
    ...extra,
  });
}

describe('gap queue grouping', () => {
  it('groups similar descriptions, biggest gap first, with counts, agents, times and example tickets', () => {
    const bulbs = [
      report('No article on replacing lamp bulbs'),
      report('How do I replace a lamp bulb? nothing in the KB'),
      report('Replacing the bulb in a lamp'),
    ];
    const sale = [report('Return policy for sale items is missing'), report('missing: returns of sale items')];
    const gift = report('Gift card expiry');
    const groups = groupGaps([gift, ...sale, ...bulbs]);
    expect(groups.map((g) => g.count)).toEqual([3, 2, 1]);
    const [first] = groups;
    expect(GapGroup.parse(first)).toEqual(first);
    expect(first).toMatchObject({
      count: 3,
      agents: 3,
      firstSeen: bulbs[0]!.clientTime,
      lastSeen: bulbs[2]!.clientTime,
      exampleTickets: [bulbs[2]!.ticketId, bulbs[1]!.ticketId, bulbs[0]!.ticketId],
      outdatedArticleIds: [],
      annotationIds: bulbs.map((b) => b.id).sort(),
    });
    expect(first!.id).toMatch(/^gap_[0-9a-f]{16}$/);
    // No proposed title: the description whose terms the group shares most, the shortest on a tie.
    expect(first!.title).toBe('Replacing the bulb in a lamp');
    expect(groups[2]!.title).toBe('Gift card expiry');
  });

  it('prefers the most proposed title, and truncates long titles', () => {
    const group = [
      report('lamp bulbs', { proposedTitle: 'Bulbs' }),
      report('replacing lamp bulbs', { proposedTitle: 'Replacing lamp bulbs' }),
      report('lamp bulbs replacing', { proposedTitle: 'Replacing lamp bulbs' }),
    ];
    expect(groupGaps(group)[0]!.title).toBe('Replacing lamp bulbs');
    const long = groupGaps([report(`Warranty ${'terms '.repeat(60)}`)])[0]!.title;
    expect(long).toHaveLength(120);
    expect(long.endsWith('…')).toBe(true);
  });

  it('puts reports on the same outdated article together, whatever they say', () => {
    const a = report('Shipping prices changed in May', { outdatedArticleId: 'shipping-rates' });
    const b = report('Wrong delivery cost for Norway', { outdatedArticleId: 'shipping-rates' });
    const c = report('Wrong delivery cost for Norway', { outdatedArticleId: 'customs' });
    const groups = groupGaps([a, b, c]);
    expect(groups).toHaveLength(1); // c joins b by its text, b joins a by the article
    expect(groups[0]!.outdatedArticleIds).toEqual(['customs', 'shipping-rates']);
    expect(groupGaps([a, report('Gift card expiry')]).map((g) => g.count)).toEqual([1, 1]);
  });

  it('keeps unrelated reports, other tenants and other kinds apart', () => {
    const acme = report('No article on replacing lamp bulbs');
    const globex = report('No article on replacing lamp bulbs', { tenant: 'globex' });
    const other = makeAnnotation('relevance');
    const boilerplate = [report('article missing'), report('Missing article!')];
    const groups = groupGaps([acme, globex, other, ...boilerplate]);
    expect(groups.map((g) => g.count)).toEqual([1, 1, 1, 1]);
    // Equal counts: the newest first.
    expect(groups[0]!.annotationIds).toEqual([boilerplate[1]!.id]);
  });

  it('keeps at most five example tickets, once each', () => {
    const many = Array.from({ length: 8 }, (_, i) => report('Replacing lamp bulbs', { ticketId: `t-${i % 6}` }));
    expect(groupGaps(many)[0]!.exampleTickets).toEqual(['t-1', 't-0', 't-5', 't-4', 't-3']);
  });

  it('is deterministic, and a group keeps its id when a later report joins it', () => {
    const base = [report('Replacing lamp bulbs'), report('lamp bulb replacement'), report('Gift card expiry')];
    const once = groupGaps(base);
    expect(groupGaps([...base].reverse())).toEqual(once);
    const grown = groupGaps([...base, report('replacing the lamp bulb')]);
    expect(grown[0]!.id).toBe(once[0]!.id);
    expect(grown[0]!.count).toBe(3);
  });

  it('groups 10,000 reports in well under a second', { timeout: 30_000 }, () => {
    const random = prng(11);
    const word = () => `w${Math.floor(random() * 5_000)}`;
    const topics = Array.from({ length: 400 }, () => [word(), word(), word(), word()]);
    const base = report('template') as AnnotationOf<'missing_knowledge'>;
    const reports = Array.from({ length: 10_000 }, (_, i) => {
      const topic = topics[Math.floor(random() * topics.length)]!;
      const words = [...topic.filter(() => random() < 0.9), word()];
      const description = `${words.join(' ')} ${i % 7 === 0 ? 'is missing' : ''}`;
      return {
        ...base,
        id: `r${String(i).padStart(5, '0')}`,
        description,
        agent: `agent-${i % 40}`,
        ticketId: `t${i}`,
        clientTime: new Date(T0 + i * 1_000).toISOString(),
      };
    });
    // Best of three. On a machine busy with other work everything slows down alike, so the budget is a second or
    // 15 times what reading the reports' terms alone takes, whichever is more; comparing all pairs would blow both.
    let ms = Infinity;
    let reading = Infinity;
    let groups: ReturnType<typeof groupGaps> = [];
    for (let run = 0; run < 3; run++) {
      let started = performance.now();
      for (const r of reports) gapTerms(r);
      reading = Math.min(reading, performance.now() - started);
      started = performance.now();
      groups = groupGaps(reports);
      ms = Math.min(ms, performance.now() - started);
    }
    expect(ms).toBeLessThan(Math.max(1_000, 15 * reading));
    expect(groups.reduce((sum, g) => sum + g.count, 0)).toBe(10_000);
    // Most reports find their topic: far fewer groups than reports.
    expect(groups.length).toBeLessThan(3_000);
  });
});
