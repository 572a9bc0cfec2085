import { describe, expect, it } from 'vitest';
import { generateDrafts, VARIANTS, variantPair } from '../../../backend/rag/generate.ts';
import { buildQuery } from '../../../backend/rag/query.ts';
import { splitSentences } from '../../../backend/rag/sentences.ts';
import { stem, tokenize } from '../../../backend/rag/tokenize.ts';
import type { Snippet, TicketContext, TicketMessage } from '../../../shared/index.ts';
import { bodyUnits, expectGrounded, isQuotedIn } from '../../helpers/grounding.ts';

function ticket(messages: TicketMessage[], subject?: string): TicketContext {
  return { host: 'demo', ticketId: 't1', messages, ...(subject ? { subject } : {}) };
}
const weight = (terms: Map<string, number>, word: string) => terms.get(stem(word)) ?? 0;

describe('buildQuery', () => {
  it('never takes terms or text from internal notes', () => {
    const query = buildQuery(
      ticket([
        { role: 'customer', text: 'My lamp arrived broken.' },
        { role: 'note', text: 'Warehouse escalation confidential voucher' },
      ]),
    );
    for (const word of ['warehouse', 'escalation', 'confidential', 'voucher']) expect(weight(query.terms, word), word).toBe(0);
    expect(query.text).not.toMatch(/warehouse|confidential/i);
    expect(weight(query.terms, 'lamp')).toBeGreaterThan(0);
  });

  it('weighs the newest customer turn most, earlier customer turns less, then agent turns', () => {
    const query = buildQuery(
      ticket([
        { role: 'customer', text: 'The ceramic lamp arrived cracked.' },
        { role: 'agent', text: 'Sorry to hear that, photographs would help.' },
        { role: 'customer', text: 'I want my money refunded.' },
      ]),
    );
    const newest = weight(query.terms, 'refund');
    const older = weight(query.terms, 'ceramic');
    const agent = weight(query.terms, 'photograph');
    expect(newest).toBe(1);
    expect(older).toBeGreaterThan(0);
    expect(older).toBeLessThan(newest);
    expect(agent).toBeGreaterThan(0);
    expect(agent).toBeLessThan(older);
  });

  it('decays older customer turns further but never below a floor', () => {
    const messages: TicketMessage[] = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot', 'golf'].map((w) => ({ role: 'customer', text: w }));
    const { terms } = buildQuery(ticket(messages));
    const weights = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot', 'golf'].map((w) => weight(terms, w));
    for (let i = 1; i < weights.length; i++) expect(weights[i]!).toBeGreaterThanOrEqual(weights[i - 1]!);
    expect(weights[6]).toBe(1);
    expect(weights[0]).toBeGreaterThanOrEqual(0.1);
    expect(weights[0]).toBeLessThan(weights[5]!);
  });

  it('gives a term said both early and late its strongest weight', () => {
    const { terms } = buildQuery(
      ticket([
        { role: 'customer', text: 'refund for the lamp' },
        { role: 'customer', text: 'still no refund' },
      ]),
    );
    expect(weight(terms, 'refund')).toBe(1);
  });

  it('lets the subject contribute', () => {
    const without = buildQuery(ticket([{ role: 'customer', text: 'Where is it?' }]));
    const withSubject = buildQuery(ticket([{ role: 'customer', text: 'Where is it?' }], 'Parcel tracking'));
    expect(weight(without.terms, 'parcel')).toBe(0);
    expect(weight(withSubject.terms, 'parcel')).toBeGreaterThan(0);
    expect(weight(withSubject.terms, 'parcel')).toBeLessThan(1);
    expect(withSubject.text).toContain('Parcel tracking');
  });

  it('reads as the newest customer message followed by the context', () => {
    const query = buildQuery(
      ticket(
        [
          { role: 'customer', text: 'First question.' },
          { role: 'agent', text: 'An answer.' },
          { role: 'customer', text: 'Follow-up question?' },
        ],
        'Subject line',
      ),
    );
    expect(query.text.startsWith('Follow-up question?')).toBe(true);
    expect(query.text).toMatch(/\[context: Subject line First question\. An answer\.\]$/);
  });

  it('truncates a long context', () => {
    const long = 'word '.repeat(200);
    const query = buildQuery(
      ticket([
        { role: 'customer', text: long },
        { role: 'customer', text: 'short' },
      ]),
    );
    const context = /\[context: (.*)\]$/.exec(query.text)![1]!;
    expect(context.length).toBeLessThanOrEqual(300);
    expect(context.endsWith('…')).toBe(true);
  });
});

describe('splitSentences', () => {
  it('splits lines and sentences, strips bullets, ends each with punctuation, drops fragments', () => {
    expect(splitSentences('Please report damage within 7 days:\n- Go to Account > Orders\n2. Upload photos of the item.\nOk.')).toEqual([
      'Please report damage within 7 days.',
      'Go to Account > Orders.',
      'Upload photos of the item.',
    ]);
    expect(splitSentences('We refund in 2 days. Keep the box! Is that clear? yes. "Quoted start" here.')).toEqual([
      'We refund in 2 days.',
      'Keep the box!',
      'Is that clear? yes.',
      '"Quoted start" here.',
    ]);
  });
});

const SNIPPETS: Snippet[] = [
  {
    snippetId: 'damaged#what-happens-next',
    articleId: 'damaged',
    title: 'Damaged items — What happens next',
    text: 'We review your report within 1 business day. If you chose a refund, we issue it to your original payment method within 2 business days.\n\nIn most cases you do not need to send the damaged item back.',
    url: '/kb/articles/damaged#what-happens-next',
    score: 9,
    rank: 1,
  },
  {
    snippetId: 'damaged#report',
    articleId: 'damaged',
    title: 'Damaged items — Report it',
    text: 'Please report damaged items within 7 days of delivery:\n- Go to Account > Orders and select "Report a problem"\n- Upload photos of the item, the packaging and the label.',
    url: '/kb/articles/damaged#report',
    score: 7,
    rank: 2,
  },
  {
    snippetId: 'refund-timing',
    articleId: 'refund-timing',
    title: 'Refund timing',
    text: 'Card refunds take 3 to 5 business days to appear on your statement. PayPal refunds are usually instant.',
    url: '/kb/articles/refund-timing',
    score: 5,
    rank: 3,
  },
  {
    snippetId: 'gift-cards',
    articleId: 'gift-cards',
    title: 'Gift cards',
    text: 'Gift cards never expire. You can check a balance online at any time.',
    url: '/kb/articles/gift-cards',
    score: 2,
    rank: 4,
  },
  {
    snippetId: 'unused',
    articleId: 'unused',
    title: 'Outside every pool',
    text: 'This fifth snippet is never quoted by any variant at all.',
    url: '',
    score: 1,
    rank: 5,
  },
];

function input(text: string, snippets = SNIPPETS, customerName?: string) {
  const queryTerms = new Map(tokenize(text).map((t) => [t, 1]));
  // Every term as rare as any other: matching is what decides.
  return { queryTerms, idf: (t: string) => (queryTerms.has(t) ? 2 : 0.5), snippets, customerName };
}

describe('generateDrafts', () => {
  it('writes one draft for each of the first two variants of the pool, unless a pair is chosen', () => {
    const drafts = generateDrafts(input('refund for a damaged item'));
    expect(drafts.map((d) => d.variantId)).toEqual(VARIANTS.slice(0, 2).map((v) => v.id));
    const chosen = generateDrafts(input('refund for a damaged item'), variantPair(['extractive-summary@2', 'extractive-concise@2']));
    expect(chosen.map((d) => d.variantId)).toEqual(['extractive-summary@2', 'extractive-concise@2']);
    // An unknown or repeated pair falls back to the default two rather than failing a suggestion.
    expect(variantPair(['gone@1', 'extractive-concise@2']).map((v) => v.id)).toEqual(VARIANTS.slice(0, 2).map((v) => v.id));
    expect(variantPair(['extractive-concise@2', 'extractive-concise@2']).map((v) => v.id)).toEqual(VARIANTS.slice(0, 2).map((v) => v.id));
  });

  it('quotes every sentence of each draft from a snippet it cites', () => {
    for (const query of ['refund for a damaged item', 'report a problem with photos', 'gift card balance', 'xyzzy']) {
      for (const draft of generateDrafts(input(query))) expectGrounded(draft, SNIPPETS);
    }
  });

  it('cites only snippets within each variant’s pool', () => {
    const [concise, detailed] = generateDrafts(input('refund card gift balance damaged report photos'));
    const rankOf = (id: string) => SNIPPETS.find((s) => s.snippetId === id)!.rank;
    for (const id of concise!.citations) expect(rankOf(id)).toBeLessThanOrEqual(VARIANTS[0]!.snippetPool);
    for (const id of detailed!.citations) expect(rankOf(id)).toBeLessThanOrEqual(VARIANTS[1]!.snippetPool);
    expect(concise!.citations).not.toContain('unused');
    expect(detailed!.citations).not.toContain('unused');
  });

  it('differs by variant: a short prose answer and a longer list', () => {
    const [concise, detailed] = generateDrafts(input('refund damaged item report photos'));
    const c = bodyUnits(concise!.text);
    const d = bodyUnits(detailed!.text);
    expect(c.format).toBe('prose');
    expect(d.format).toBe('list');
    expect(c.units.length).toBeLessThanOrEqual(VARIANTS[0]!.sentences);
    expect(d.units).toHaveLength(VARIANTS[1]!.sentences);
    expect(concise!.text).not.toBe(detailed!.text);
  });

  it('picks the sentences that match the query', () => {
    const [concise] = generateDrafts(input('send the damaged item back'));
    expect(concise!.text).toContain('In most cases you do not need to send the damaged item back.');
    const [, detailed] = generateDrafts(input('paypal statement card refunds'));
    expect(detailed!.text).toContain('PayPal refunds are usually instant.');
    expect(detailed!.citations).toContain('refund-timing');
  });

  it('turns a lead-in ending with a colon into a sentence that still quotes the source', () => {
    const [, detailed] = generateDrafts(input('report damaged items within 7 days of delivery', [SNIPPETS[1]!]));
    expect(detailed!.text).toContain('- Please report damaged items within 7 days of delivery.');
    expect(isQuotedIn('Please report damaged items within 7 days of delivery.', SNIPPETS[1]!.text)).toBe(true);
    expect(isQuotedIn('Please report damaged items within 8 days.', SNIPPETS[1]!.text)).toBe(false);
  });

  it('keeps sentences in reading order and never repeats one', () => {
    const duplicated: Snippet[] = [SNIPPETS[0]!, { ...SNIPPETS[0]!, snippetId: 'copy', rank: 2 }];
    const [, detailed] = generateDrafts(input('refund damaged item back business day', duplicated));
    const units = bodyUnits(detailed!.text).units;
    expect(new Set(units).size).toBe(units.length);
    const positions = units.map((u) => SNIPPETS[0]!.text.indexOf(u));
    expect(positions.every((p) => p >= 0)).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
  });

  it('greets the customer by name when given one, otherwise neutrally', () => {
    expect(generateDrafts(input('refund', SNIPPETS, 'Eleanor'))[0]!.text.startsWith('Hi Eleanor,\n\n')).toBe(true);
    expect(generateDrafts(input('refund'))[0]!.text.startsWith('Hi there,\n\n')).toBe(true);
  });

  it('writes nothing when there are no snippets', () => {
    expect(generateDrafts(input('refund', []))).toEqual([]);
  });
});
