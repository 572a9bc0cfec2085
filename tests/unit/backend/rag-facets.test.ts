import { describe, expect, it } from 'vitest';
import { Bm25Index } from '../../../backend/rag/bm25.ts';
import { FacetIndex, type FacetSource, nameTokens } from '../../../backend/rag/facets.ts';

interface Doc {
  title: string;
  text: string;
  metadata: Record<string, unknown>;
}

/** Three passages per entity, plus everyday text that uses some of the names' words. */
function corpus(): Doc[] {
  const entities = [
    'HOBSONS HOUSE',
    "ROSA'S BED AND BREAKFAST",
    'ARBURY LODGE GUESTHOUSE',
    'A AND B GUEST HOUSE',
    'WORTH HOUSE',
    'RESTAURANT TWO TWO',
    'NANDOS',
    'NANDOS CITY CENTRE',
    'GONVILLE HOTEL',
  ];
  const docs: Doc[] = [];
  entities.forEach((entity, e) => {
    for (let i = 0; i < 3; i++) {
      docs.push({
        title: `${entity}: question ${i}`,
        text: `${entity.toLowerCase()} answer ${i}. Two nights in a hotel or a guest house are worth the money, the staff said.`,
        metadata: { entity, entity_id: String(e), id: `${e}-${i}`, area: e % 2 ? 'north' : 'south' },
      });
    }
  });
  return docs;
}

function build(docs: Doc[] = corpus()) {
  const bm25 = new Bm25Index(docs.map((d) => ({ title: d.title, body: d.text, meta: '' })));
  const facets = new FacetIndex(
    docs.map((d): FacetSource => ({ title: d.title, metadata: d.metadata })),
    bm25,
  );
  // What retrieval leans on: mentions it is fairly sure of, strongest first.
  const label = (turns: string[]) =>
    facets
      .detect(turns)
      .filter((m) => m.confidence >= 0.5)
      .map((m) => facets.values[m.value]!.label);
  return { facets, label };
}

describe('FacetIndex: which fields are facets', () => {
  it('takes short repeated string fields; not identifiers, numbers or fields every document shares one value of', () => {
    const { facets } = build();
    const fields = new Set(facets.values.map((v) => v.field));
    expect(fields.has('entity')).toBe(true);
    expect(fields.has('area')).toBe(true);
    expect(fields.has('id')).toBe(false); // one document per value
    expect(fields.has('entity_id')).toBe(false); // numbers name nothing a customer says
  });

  it('reads a title prefix shared by several documents as a facet, and keeps one value for one grouping', () => {
    const docs = corpus().map((d) => ({ ...d, metadata: {} }));
    const { facets } = build(docs);
    expect(facets.values.map((v) => v.field)).toEqual(Array(9).fill('title'));
    const both = build();
    // entity and title prefix group the same documents under the same name: one value, not two
    expect(both.facets.values.filter((v) => v.label.toUpperCase() === 'HOBSONS HOUSE')).toHaveLength(1);
  });

  it('knows which documents carry each value', () => {
    const { facets } = build();
    const hobsons = facets.values.find((v) => v.label === 'HOBSONS HOUSE')!;
    expect([...hobsons.docs]).toEqual([0, 1, 2]);
    expect([...facets.valuesOfDoc[0]!].map((i) => facets.values[i]!.label)).toContain('HOBSONS HOUSE');
    expect(hobsons.idf).toBeCloseTo(Math.log(27 / 3));
  });
});

describe('FacetIndex: mentions in a conversation', () => {
  it('finds a name whatever the case, punctuation and apostrophes', () => {
    const { label } = build();
    expect(label(['We stayed at hobsons house last year.'])).toEqual(['HOBSONS HOUSE']);
    expect(label(['Is Rosas Bed & Breakfast quiet?'])).toEqual(["ROSA'S BED AND BREAKFAST"]);
  });

  it('meets a compound written as two words, and two words written as one', () => {
    const { label } = build();
    expect(label(['The Arbury Lodge Guest House please'])).toEqual(['ARBURY LODGE GUESTHOUSE']);
    expect(label(['I like the a and b guesthouse'])).toEqual(['A AND B GUEST HOUSE']);
  });

  it('accepts a name with a generic word missing, but not a generic word alone', () => {
    const { facets, label } = build();
    expect(label(['Tell me about the Gonville.'])).toEqual(['GONVILLE HOTEL']);
    expect(facets.detect(['Any hotel will do.'])).toEqual([]);
    expect(label(['Any house will do.'])).toEqual([]);
  });

  it('takes an unknown word one edit away from a name word as a misspelling, but never a known word', () => {
    const { label } = build();
    expect(label(['Is the Gonvile Hotel nice?'])).toEqual(['GONVILLE HOTEL']);
    expect(label(['Hobsns House then'])).toEqual(['HOBSONS HOUSE']);
  });

  it('trusts everyday words that happen to be in a name less than the name itself', () => {
    const { facets } = build();
    const everyday = facets.detect(['Is it worth the money?']);
    const named = facets.detect(['Is Worth House nice?']);
    const worth = (ms: typeof named) => ms.find((m) => facets.values[m.value]!.label === 'WORTH HOUSE');
    expect(worth(named)!.confidence).toBeGreaterThan(0.8);
    expect(worth(everyday)?.confidence ?? 0).toBeLessThan(worth(named)!.confidence / 2);
  });

  it('does not read a number word as a name made of it', () => {
    const { label } = build();
    expect(label(['Two nights for two people please'])).not.toContain('RESTAURANT TWO TWO');
    expect(label(['Book Restaurant Two Two'])).toEqual(['RESTAURANT TWO TWO']);
  });

  it('prefers the longer name a phrase spells out', () => {
    const { label } = build();
    expect(label(['Nandos City Centre at 7'])).toEqual(['NANDOS CITY CENTRE']);
    const [first] = build().facets.detect(['Nandos at 7']);
    expect(build().facets.values[first!.value]!.label).toBe('NANDOS');
  });

  it('weighs the newest mention most and remembers how many turns back each was', () => {
    const { facets } = build();
    const mentions = facets.detect(['Hobsons House sounds good.', 'Or the Gonville Hotel?', 'What about their breakfast?']);
    const byLabel = new Map(mentions.map((m) => [facets.values[m.value]!.label, m]));
    expect(byLabel.get('GONVILLE HOTEL')!.turn).toBe(1);
    expect(byLabel.get('HOBSONS HOUSE')!.turn).toBe(2);
    expect(byLabel.get('GONVILLE HOTEL')!.weight).toBeGreaterThan(byLabel.get('HOBSONS HOUSE')!.weight);
    expect(mentions[0]!.value).toBe(byLabel.get('GONVILLE HOTEL')!.value);
  });

  it('is less sure of a value many documents carry', () => {
    const { facets } = build();
    const [north] = facets.detect(['Something in the north please']);
    expect(facets.values[north!.value]!.label).toBe('north');
    const [hobsons] = facets.detect(['Hobsons House please']);
    expect(north!.confidence).toBeLessThan(hobsons!.confidence);
  });

  it('finds nothing in a corpus without facets', () => {
    const facets = new FacetIndex([
      { title: 'Refunds', metadata: {} },
      { title: 'Delivery', metadata: {} },
    ]);
    expect(facets.values).toEqual([]);
    expect(facets.detect(['refunds please'])).toEqual([]);
  });
});

describe('nameTokens', () => {
  it('folds case, accents and apostrophes, keeps stop words, stems lightly', () => {
    expect(nameTokens("Rosa's Café & the Bars")).toEqual(['rosa', 'caf', 'the', 'bar']);
    expect(nameTokens('ROSAS CAFE AND THE BAR')).toEqual(['rosa', 'caf', 'and', 'the', 'bar']);
  });
});

describe('FacetIndex: title prefixes made of connectives', () => {
  it('does not take "how to" for a name, though many titles start with it', () => {
    const docs: Doc[] = [
      ...['reset a password', 'change an address', 'cancel an order'].map((t, i) => ({
        title: `How to: ${t}`,
        text: `Steps ${i} to ${t}.`,
        metadata: {},
      })),
      ...['Returns', 'Refunds', 'Delivery'].map((t) => ({ title: `Acme Router: ${t}`, text: `${t} for the Acme Router.`, metadata: {} })),
    ];
    const { facets } = build(docs);
    expect(facets.values.map((v) => v.label).sort()).toEqual(['Acme Router', 'How to']);
    const howTo = facets.detect(['How to get my money back?']).find((m) => facets.values[m.value]!.label === 'How to');
    expect(howTo?.confidence ?? 0).toBeLessThan(0.5);
    const [router] = facets.detect(['My Acme Router keeps dropping']);
    expect(router!.confidence).toBeGreaterThan(0.5);
  });
});
