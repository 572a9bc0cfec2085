import { describe, expect, it } from 'vitest';
import { Bm25Index, DEFAULT_BM25, type FieldedDoc, topK } from '../../../backend/rag/bm25.ts';
import { stem, tokenize } from '../../../backend/rag/tokenize.ts';

describe('stem', () => {
  it.each([
    ['refund', ['refunds', 'refunded', 'refunding']],
    ['ship', ['ships', 'shipped', 'shipping']],
    ['charg', ['charge', 'charges', 'charged', 'charging']],
    ['connect', ['connects', 'connected', 'connecting']],
    ['delivery', ['deliveries']],
    ['box', ['boxes']],
    ['address', ['addresses']],
  ])('brings inflected forms together on %s', (expected, forms) => {
    for (const form of forms) expect(stem(form), form).toBe(expected);
  });

  it('leaves short words, numbers and -ss/-us/-is endings alone', () => {
    expect(stem('bus')).toBe('bus');
    expect(stem('status')).toBe('status');
    expect(stem('analysis')).toBe('analysis');
    expect(stem('class')).toBe('class');
    expect(stem('5ghz')).toBe('5ghz');
    expect(stem('2024')).toBe('2024');
    expect(stem('need')).toBe('need');
  });
});

describe('tokenize', () => {
  it('lower-cases, drops stop words and punctuation, keeps order and duplicates', () => {
    expect(tokenize('Hi, I would like a REFUND for my order, please! The order was late.')).toEqual(['refund', 'order', 'order', 'lat']);
  });

  it('makes plural, -ing and -ed forms meet', () => {
    const [a, b, c, d] = [tokenize('refunds'), tokenize('refunding'), tokenize('refunded'), tokenize('refund')];
    expect(a).toEqual(d);
    expect(b).toEqual(d);
    expect(c).toEqual(d);
  });

  it('folds accents so accented and plain spellings meet', () => {
    expect(tokenize('Café crème, naïve façade')).toEqual(tokenize('cafe creme naive facade'));
    expect(tokenize('Ölçü')).toEqual(['olcu']);
  });

  it('joins apostrophe contractions and drops the ones that are stop words', () => {
    expect(tokenize("I can't sign in, it doesn't work")).toEqual(['sign', 'work']);
    expect(tokenize('customer’s lamp')).toEqual(tokenize('customers lamp'));
  });

  it('keeps digits and letters of any script, drops single letters', () => {
    expect(tokenize('Order JV-20481736 on 5 GHz x')).toEqual(['order', 'jv', '20481736', '5', 'ghz']);
    expect(tokenize('Доставка заказа')).toEqual(['доставка', 'заказа']);
    expect(tokenize('!!! ... ---')).toEqual([]);
  });
});

/** A query of equally weighted index terms, made the way documents are tokenized. */
const q = (text: string) => new Map(tokenize(text).map((t) => [t, 1]));

describe('Bm25Index', () => {
  const docs: FieldedDoc[] = [
    { title: 'Delivery times', body: 'Standard delivery takes three to five business days.', meta: 'delivery' },
    { title: 'Refund timing', body: 'Refunds reach your card within five business days of approval.', meta: 'refunds' },
    { title: 'Gift cards', body: 'Gift cards never expire and can be used online.', meta: 'gifts' },
    { title: 'Damaged items', body: 'If a lamp arrives cracked we refund or replace it.', meta: 'damaged items, refunds' },
  ];
  const index = new Bm25Index(docs);
  const search = (text: string, k = 10) => index.search(new Map(tokenize(text).map((t) => [t, 1])), k);

  it('ranks a document with the query terms above those without, and leaves untouched ones out', () => {
    const hits = search('cracked lamp');
    expect(hits.map((h) => h.doc)).toEqual([3]);
    expect(hits[0]!.score).toBeGreaterThan(0);
    const refund = search('refund').map((h) => h.doc);
    expect(refund.sort()).toEqual([1, 3]);
  });

  it('orders by score, best first', () => {
    const hits = search('refund card five days');
    expect(hits[0]!.doc).toBe(1);
    for (let i = 1; i < hits.length; i++) expect(hits[i - 1]!.score).toBeGreaterThanOrEqual(hits[i]!.score);
  });

  it('scores a rarer term higher: idf falls with document frequency, and is 0 for an unknown term', () => {
    const [five] = tokenize('five'); // in 2 of 4 docs
    const [gift] = tokenize('gift'); // in 1 of 4 docs
    expect(index.idf(gift!)).toBeGreaterThan(index.idf(five!));
    expect(index.idf(five!)).toBeGreaterThan(0);
    expect(index.idf('zzzunknown')).toBe(0);
    expect(search('zzzunknown')).toEqual([]);
  });

  it('weights the title field: a title match outranks a body match, and lowering the weight flips it', () => {
    const pair: FieldedDoc[] = [
      { title: 'Other thing', body: 'warranty words here now', meta: '' },
      { title: 'Warranty', body: 'other words here now', meta: '' },
    ];
    const byDefault = new Bm25Index(pair).search(q('warranty'), 2);
    expect(byDefault.map((h) => h.doc)).toEqual([1, 0]);
    const titleless = new Bm25Index(pair, { ...DEFAULT_BM25, weights: { ...DEFAULT_BM25.weights, title: 0.1 } }).search(q('warranty'), 2);
    expect(titleless.map((h) => h.doc)).toEqual([0, 1]);
  });

  it('applies query term weights', () => {
    const both = new Bm25Index([
      { title: '', body: 'alpha', meta: '' },
      { title: '', body: 'beta', meta: '' },
    ]);
    expect(
      both
        .search(
          new Map([
            ['alpha', 1],
            ['beta', 2],
          ]),
          2,
        )
        .map((h) => h.doc),
    ).toEqual([1, 0]);
    expect(
      both
        .search(
          new Map([
            ['alpha', 2],
            ['beta', 1],
          ]),
          2,
        )
        .map((h) => h.doc),
    ).toEqual([0, 1]);
  });

  it('returns at most k hits', () => {
    const many = new Bm25Index(Array.from({ length: 20 }, (_, i) => ({ title: `Doc ${i}`, body: `shared term ${'x '.repeat(i)}`, meta: '' })));
    expect(many.search(q('share'), 5)).toHaveLength(5);
    expect(many.search(q('share'), 50)).toHaveLength(20);
    expect(many.search(q('share'), 0)).toEqual([]);
    expect(many.size).toBe(20);
  });

  it('prefers the shorter document for the same term frequency (length normalisation)', () => {
    const idx = new Bm25Index([
      { title: '', body: `refund ${'filler '.repeat(40)}`, meta: '' },
      { title: '', body: 'refund policy', meta: '' },
    ]);
    expect(idx.search(q('refund'), 2).map((h) => h.doc)).toEqual([1, 0]);
  });

  it('handles an empty corpus', () => {
    const empty = new Bm25Index([]);
    expect(empty.search(q('anything'), 10)).toEqual([]);
    expect(empty.idf('anything')).toBe(0);
  });
});

describe('Bm25Index.accumulate', () => {
  // Doc i holds "common" for every i, "rare" only in doc 0, "mid" in docs 0-2; doc 5 has a title.
  const docs: FieldedDoc[] = Array.from({ length: 10 }, (_, i) => ({
    title: i === 5 ? 'Warranty claims' : '',
    body: ['common', i === 0 ? 'rare' : '', i < 3 ? 'mid' : '', i === 9 ? 'filler '.repeat(20) : ''].join(' '),
    meta: '',
  }));
  const index = new Bm25Index(docs);
  const candidates = (acc: { touched: Int32Array; count: number }) => [...acc.touched.subarray(0, acc.count)].sort((a, b) => a - b);

  it('knows which documents hold a term (ascending), which titles do, and body lengths', () => {
    expect([...index.docsWith('mid')!]).toEqual([0, 1, 2]);
    expect(index.docsWith('nothing')).toBeUndefined();
    expect(index.titleHas(5, 'warranty')).toBe(true);
    expect(index.titleHas(5, 'common')).toBe(false);
    expect(index.titleHas(4, 'warranty')).toBe(false);
    expect(index.bodyLength[9]).toBe(21);
    expect(index.avgBodyLength).toBeCloseTo((10 + 1 + 3 + 20) / 10);
  });

  it('adds seeded documents to the candidates even when no term touches them', () => {
    const acc = index.accumulate(q('rare'), { seeds: [[7, 8]] });
    expect(candidates(acc)).toEqual([0, 7, 8]);
    expect(acc.scores[7]).toBe(0);
    expect(acc.scores[0]).toBeGreaterThan(0);
  });

  it('lets a common term only reorder the candidates rarer terms found (the continue strategy)', () => {
    const open = index.accumulate(q('mid common'));
    expect(open.count).toBe(10);
    const closed = index.accumulate(q('mid common'), { openShare: 0.5, minCandidates: 2 });
    expect(candidates(closed)).toEqual([0, 1, 2]);
    expect(closed.scores[1]).toBeCloseTo(open.scores[1]!);
    // Until there are enough candidates, a common term still brings new ones in.
    expect(index.accumulate(q('mid common'), { openShare: 0.5, minCandidates: 5 }).count).toBe(10);
  });

  it('leaves out a term nearly every document holds, but only when its postings are long', () => {
    expect(index.accumulate(q('common'), { maxShare: 0.5, skipPostings: 5 }).count).toBe(0);
    expect(index.accumulate(q('common'), { maxShare: 0.5 }).count).toBe(10);
  });

  it('sums coverage weights of the terms each document holds', () => {
    const acc = index.accumulate(q('rare mid'), { coverage: new Map([[tokenize('rare')[0]!, 1]]) });
    expect(acc.matched[0]).toBe(1);
    expect(acc.matched[1]).toBe(0);
    const plain = index.accumulate(q('rare mid'));
    expect(plain.matched[0]).toBe(2);
  });

  it('starts every query afresh', () => {
    index.accumulate(q('common'));
    const acc = index.accumulate(q('rare'));
    expect(candidates(acc)).toEqual([0]);
    expect(acc.scores[5]).toBe(0);
    expect(acc.matched[5]).toBe(0);
  });
});

describe('topK', () => {
  it('keeps the k best, best first, ties to the lower document number', () => {
    const scores = [0.5, 2, 0.5, 1, 3, 0.5];
    expect(topK([0, 1, 2, 3, 4, 5], scores, 3).map((h) => h.doc)).toEqual([4, 1, 3]);
    expect(topK([5, 2, 0], scores, 2).map((h) => h.doc)).toEqual([0, 2]);
    expect(topK([0, 1], scores, 0)).toEqual([]);
    expect(topK([], scores, 5)).toEqual([]);
    expect(topK([0, 1, 2, 3, 4, 5], scores, 10)).toHaveLength(6);
  });
});

describe('Bm25Index.build (in slices)', () => {
  it('builds the very index the constructor builds, letting the event loop run in between', async () => {
    const words = ['refund', 'parcel', 'locker', 'password', 'reset', 'lamp', 'wifi', 'invoice', 'delivery', 'garden'];
    const docs = Array.from({ length: 10_000 }, (_, i) => ({
      title: `${words[i % 10]} ${words[(i * 7) % 10]}`,
      body: Array.from({ length: 60 }, (_, j) => words[(i * 31 + j * 17) % 10]).join(' ') + ` doc${i}`,
      meta: i % 3 === 0 ? 'billing' : '',
    }));
    let turns = 0;
    const tick = () => {
      turns++;
      if (!done) setImmediate(tick);
    };
    let done = false;
    setImmediate(tick);
    const sliced = await Bm25Index.build(docs);
    // Counted before this test gives the loop a turn itself: only the build's own pauses let `tick` run.
    const during = turns;
    done = true;
    const whole = new Bm25Index(docs);
    for (const query of [['refund'], ['lamp', 'wifi'], ['doc1234'], ['billing', 'invoice']]) {
      const q = new Map(query.map((t) => [t, 1]));
      expect(sliced.search(q, 10), query.join(' ')).toEqual(whole.search(q, 10));
    }
    expect(sliced.avgBodyLength).toBe(whole.avgBodyLength);
    expect(during).toBeGreaterThan(0);
  });
});
