import { describe, expect, it } from 'vitest';
import { type GenerationInput, generateDrafts, VARIANTS } from '../../../backend/rag/generate.ts';
import { sentenceUnits } from '../../../backend/rag/sentences.ts';
import { tokenize } from '../../../backend/rag/tokenize.ts';
import type { Snippet } from '../../../shared/index.ts';
import { bodyUnits, expectGrounded } from '../../helpers/grounding.ts';

let rank = 0;
function snippet(snippetId: string, text: string, title = snippetId): Snippet {
  return { snippetId, articleId: snippetId.split('#')[0]!, title, text, url: '', score: 1, rank: ++rank };
}

/** Every term equally rare, so that matching decides; `conversation` defaults to the question. */
function input(question: string, snippets: Snippet[], conversation = question, customerName?: string): GenerationInput {
  const queryTerms = new Map(tokenize(conversation).map((t) => [t, 1]));
  return { queryTerms, question, idf: () => 1, snippets, customerName };
}

const HELP: Snippet[] = [
  snippet(
    'refunds#timing',
    'Card refunds take 3 to 5 business days to appear on your statement. PayPal refunds are usually instant. Our warehouse is open every day of the week.',
  ),
  snippet('returns#label', 'Print the prepaid return label from your account. Drop the parcel at any post office within 30 days.'),
  snippet('gift-cards', 'Gift cards never expire. You can check a gift card balance online at any time.'),
  snippet('shipping#express', 'Express orders placed before noon arrive the next business day.'),
  snippet('warranty', 'Every lamp has a two-year warranty against electrical faults.'),
  snippet('outside-every-pool', 'This sixth snippet about refunds and statements is never quoted by any variant.'),
];

const QUESTIONS = [
  'How long does a card refund take to show on my statement?',
  'Where do I get a return label?',
  'Do gift cards expire?',
  'When will my express order arrive?',
  'xyzzy plugh',
];

describe('generateDrafts', () => {
  it('writes two drafts with versioned variant ids', () => {
    expect(generateDrafts(input(QUESTIONS[0]!, HELP)).map((d) => d.variantId)).toEqual(['extractive-concise@2', 'extractive-detailed@2']);
    expect(VARIANTS.slice(0, 2).map((v) => v.format)).toEqual(['prose', 'list']);
  });

  it('quotes every body sentence from a snippet the draft cites, and cites only shown snippets that it quotes', () => {
    for (const question of QUESTIONS) {
      for (const draft of generateDrafts(input(question, HELP))) expectGrounded(draft, HELP);
    }
  });

  it('cites only snippets within each variant’s pool', () => {
    const [concise, detailed] = generateDrafts(input('refunds statement return label gift card express order lamp warranty', HELP));
    const rankOf = (id: string) => HELP.findIndex((s) => s.snippetId === id) + 1;
    for (const id of concise!.citations) expect(rankOf(id)).toBeLessThanOrEqual(VARIANTS[0]!.snippetPool);
    for (const id of detailed!.citations) expect(rankOf(id)).toBeLessThanOrEqual(VARIANTS[1]!.snippetPool);
    expect([...concise!.citations, ...detailed!.citations]).not.toContain('outside-every-pool');
  });

  it('keeps the variants apart: short prose from at most two sources, a longer list from more', () => {
    const question = 'How long do card refunds take, and where do I get the return label?';
    const [concise, detailed] = generateDrafts(input(question, HELP));
    const c = bodyUnits(concise!.text);
    const d = bodyUnits(detailed!.text);
    expect(c.format).toBe('prose');
    expect(d.format).toBe('list');
    expect(c.units.length).toBeLessThanOrEqual(VARIANTS[0]!.sentences);
    expect(d.units.length).toBeLessThanOrEqual(VARIANTS[1]!.sentences);
    expect(d.units.length).toBeGreaterThan(c.units.length);
    expect(concise!.text.length).toBeLessThan(detailed!.text.length);
    expect(concise!.citations.length).toBeLessThanOrEqual(VARIANTS[0]!.sources);
    expect(detailed!.citations.length).toBeLessThanOrEqual(VARIANTS[1]!.sources);
  });

  it('is shorter when concise for every question', () => {
    for (const question of QUESTIONS) {
      const [concise, detailed] = generateDrafts(input(question, HELP));
      expect(concise!.text.length, question).toBeLessThan(detailed!.text.length);
    }
  });

  it('answers a simple question with the sentence that answers it, not an unrelated one of the same snippet', () => {
    const [concise, detailed] = generateDrafts(input('How long do card refunds take?', HELP));
    expect(bodyUnits(concise!.text).units[0]).toBe('Card refunds take 3 to 5 business days to appear on your statement.');
    expect(concise!.text).not.toContain('warehouse');
    expect(detailed!.text).not.toContain('warehouse');
    const [gift] = generateDrafts(input('Can I check my gift card balance?', HELP));
    expect(gift!.text).toContain('You can check a gift card balance online at any time.');
    expect(gift!.citations).toEqual(['gift-cards']);
  });

  it('answers the newest message, not the older conversation', () => {
    const conversation = 'My card refund has not arrived on my statement. Also, do gift cards expire?';
    const [concise] = generateDrafts(input('Do gift cards expire?', HELP, conversation));
    expect(bodyUnits(concise!.text).units[0]).toBe('Gift cards never expire.');
  });

  it('weighs the question in a message over the story around it', () => {
    const message = 'I bought a lamp last week and paid by card. Where do I print the return label?';
    const [concise] = generateDrafts(input(message, HELP));
    expect(bodyUnits(concise!.text).units[0]).toBe('Print the prepaid return label from your account.');
  });

  it('covers both parts of a two-part question before repeating one', () => {
    const [, detailed] = generateDrafts(input('Do gift cards expire, and when does an express order arrive?', HELP));
    expect(detailed!.text).toContain('Gift cards never expire.');
    expect(detailed!.text).toContain('Express orders placed before noon arrive the next business day.');
  });

  it('matches a longer or shorter form of a question word', () => {
    const snippets = [snippet('decor', 'The decoration is modern and bright. Parking is free for guests.')];
    const [concise] = generateDrafts(input('How is the decor?', snippets));
    expect(bodyUnits(concise!.text).units).toEqual(['The decoration is modern and bright.']);
  });

  it('answers about the asked attribute when every snippet is about the same named thing', () => {
    const snippets = [
      snippet('orion#food', 'Orion serves Turkish food and fine wines.', 'Orion: food'),
      snippet('orion#terrace', 'The view from the terrace is lovely.', 'Orion: terrace'),
      snippet('orion#hours', 'Orion is open late on weekends.', 'Orion: hours'),
    ];
    const idf = (t: string) => (t === 'nice' ? 1 : 2);
    const [concise] = generateDrafts({ ...input('Does Orion have a nice view?', snippets), idf });
    expect(bodyUnits(concise!.text).units[0]).toBe('The view from the terrace is lovely.');
    expect(concise!.citations[0]).toBe('orion#terrace');
  });

  it('prefers a sentence that stands on its own to one that continues another', () => {
    const snippets = [snippet('reset', 'Then hold the reset button for 15 seconds.\nTo reset the lamp, hold the reset button for 15 seconds.')];
    const [concise] = generateDrafts(input('How do I reset the lamp?', snippets));
    expect(bodyUnits(concise!.text).units[0]).toBe('To reset the lamp, hold the reset button for 15 seconds.');
  });

  it('quotes an FAQ’s answer, never its question, and leaves out headings and list fragments', () => {
    const snippets = [
      snippet('faq#pets', 'Q: Can I bring my dog to the shop?\nA: Yes, dogs on a lead are welcome in every shop.', 'Pets: Can I bring my dog?'),
      snippet('guide#hours', 'Opening hours\nThe shop opens at 9am on weekdays.\nContact us if:\n- your dog is refused entry by staff'),
    ];
    const drafts = generateDrafts(input('Are dogs allowed in the shop?', snippets));
    for (const draft of drafts) {
      expectGrounded(draft, snippets);
      expect(draft.text).not.toContain('Can I bring my dog');
      expect(draft.text).not.toContain('Opening hours');
      expect(draft.text).not.toContain('your dog is refused');
      expect(draft.text).not.toContain('A: ');
    }
    expect(bodyUnits(drafts[0]!.text).units[0]).toBe('Yes, dogs on a lead are welcome in every shop.');
  });

  it('keeps one source’s sentences in reading order and never repeats a sentence', () => {
    const long = snippet('refunds#all', 'Refunds go back to your card. Card refunds take up to 5 days. Refunds to gift cards are instant.');
    const copy = { ...long, snippetId: 'refunds#copy', rank: 2 };
    const [, detailed] = generateDrafts(input('card refunds gift cards days', [long, copy]));
    const units = bodyUnits(detailed!.text).units;
    expect(new Set(units).size).toBe(units.length);
    const positions = units.map((u) => long.text.indexOf(u));
    expect(positions.every((p) => p >= 0)).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
  });

  it('holds back a very long sentence when a short one answers as well', () => {
    const rambling = `Refunds are processed ${'and then checked again by several people '.repeat(6)}before they reach you.`;
    const snippets = [snippet('refunds#long', `${rambling} Refunds are processed within 5 days.`)];
    const [concise] = generateDrafts(input('When are refunds processed?', snippets));
    expect(bodyUnits(concise!.text).units[0]).toBe('Refunds are processed within 5 days.');
  });

  it('still quotes something when a snippet holds only questions', () => {
    const snippets = [snippet('faq#only', 'Do you ship to Norway?')];
    for (const draft of generateDrafts(input('Norway shipping', snippets))) expectGrounded(draft, snippets);
  });

  it('leaves untrusted text as plain text: nothing escaped, no markup added', () => {
    const snippets = [snippet('html', 'Refunds use the <b>original</b> card & never "cash" <script>alert(1)</script>.')];
    const [concise, detailed] = generateDrafts(input('refunds original card', snippets, 'refunds', '<img src=x>'));
    expect(concise!.text).toContain('Refunds use the <b>original</b> card & never "cash" <script>alert(1)</script>.');
    for (const draft of [concise!, detailed!]) {
      expect(draft.text).not.toMatch(/&amp;|&lt;|<br|<p>|<ul>|<li>/);
      expect(draft.text.startsWith('Hi <img src=x>,\n\n')).toBe(true);
    }
  });

  it('greets by first name when given, otherwise neutrally', () => {
    expect(generateDrafts(input('refunds', HELP, 'refunds', 'Eleanor'))[0]!.text.startsWith('Hi Eleanor,\n\n')).toBe(true);
    expect(generateDrafts(input('refunds', HELP))[0]!.text.startsWith('Hi there,\n\n')).toBe(true);
  });

  it('answers from the conversation when there is no newest customer message', () => {
    const drafts = generateDrafts({ ...input('', HELP, 'gift card balance'), question: undefined });
    expect(drafts[0]!.citations).toEqual(['gift-cards']);
  });

  it('writes nothing when there are no snippets or nothing quotable', () => {
    expect(generateDrafts(input('refunds', []))).toEqual([]);
    expect(generateDrafts(input('refunds', [snippet('tiny', 'Ok.')]))).toEqual([]);
  });
});

describe('sentenceUnits', () => {
  it('flags questions, headings and lower-case fragments, and drops Q/A labels and Markdown heading marks', () => {
    const units = sentenceUnits(
      '## Shipping times\nQ: Do you ship abroad?\nA: Yes, we ship to 30 countries.\nWe ship if:\n- your address is verified',
    );
    expect(units.map((u) => [u.text, u.question, u.heading, u.fragment])).toEqual([
      ['Shipping times.', false, true, false],
      ['Do you ship abroad?', true, false, false],
      ['Yes, we ship to 30 countries.', false, false, false],
      ['your address is verified.', false, false, true],
    ]);
  });

  it('keeps a last line without end punctuation as a sentence, not a heading', () => {
    expect(sentenceUnits('Free delivery over 50 euros').map((u) => [u.text, u.heading])).toEqual([['Free delivery over 50 euros.', false]]);
  });
});
