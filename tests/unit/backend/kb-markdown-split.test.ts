import { describe, expect, it } from 'vitest';
import type { Article } from '../../../backend/kb/article.ts';
import { slugify } from '../../../backend/kb/article.ts';
import { parseMarkdownArticle } from '../../../backend/kb/markdown.ts';
import { splitArticle } from '../../../backend/kb/split.ts';

const ARTICLE = `# Returning a gift
<!-- tags: returns, gifts , , gift receipts -->
<!-- product: vouchers -->

You can return a gift without the buyer knowing.

## Before you start

Find the **gift receipt** or the [order number](https://example.com/orders).
Keep the \`packaging\`.

## Refunds   ##

- We refund to a gift card.
- It takes 5 days.

### Exceptions

Personalised items can't be returned.
`;

describe('parseMarkdownArticle', () => {
  const article = parseMarkdownArticle('returning-a-gift', ARTICLE);

  it('takes the title from the first # heading and the id from the caller', () => {
    expect(article.id).toBe('returning-a-gift');
    expect(article.title).toBe('Returning a gift');
  });

  it('reads tags and other comments as metadata', () => {
    expect(article.metadata).toEqual({ tags: ['returns', 'gifts', 'gift receipts'], product: 'vouchers' });
  });

  it('defaults the url to the backend article page', () => {
    expect(article.url).toBe('/kb/articles/returning-a-gift');
    expect(parseMarkdownArticle('a b/c', '# T\n\ntext').url).toBe('/kb/articles/a%20b%2Fc');
  });

  it('uses a url comment when present', () => {
    expect(parseMarkdownArticle('x', '# T\n<!-- url: https://help.example.com/x -->\n\ntext').url).toBe('https://help.example.com/x');
  });

  it('splits into the lead text and one section per ## or ### heading, with Markdown syntax removed', () => {
    expect(article.sections).toEqual([
      { heading: '', text: 'You can return a gift without the buyer knowing.' },
      { heading: 'Before you start', text: 'Find the gift receipt or the order number.\nKeep the packaging.' },
      { heading: 'Refunds', text: '- We refund to a gift card.\n- It takes 5 days.' },
      { heading: 'Exceptions', text: "Personalised items can't be returned." },
    ]);
  });

  it('drops empty sections and falls back to the id as title', () => {
    const parsed = parseMarkdownArticle('no-title', '## Empty\n\n## Full\r\nSome text.\r\n');
    expect(parsed.title).toBe('no-title');
    expect(parsed.sections).toEqual([{ heading: 'Full', text: 'Some text.' }]);
  });
});

describe('slugify', () => {
  it('makes URL fragments from headings', () => {
    expect(slugify("If the reset email doesn't arrive")).toBe('if-the-reset-email-doesn-t-arrive');
    expect(slugify('  Café & Crème — 2024!  ')).toBe('cafe-creme-2024');
    expect(slugify('¿?')).toBe('');
  });
});

function article(sections: Article['sections'], extra: Partial<Article> = {}): Article {
  return { id: 'art', title: 'An article', url: '/kb/articles/art', sections, metadata: { tags: ['t'] }, ...extra };
}

const words = (n: number, word = 'word') => Array.from({ length: n }, (_, i) => `${word}${i}`).join(' ');
const wordCount = (text: string) => text.split(/\s+/).filter(Boolean).length;

describe('splitArticle', () => {
  it('makes one passage per section, with anchors, urls, positions and the section in metadata', () => {
    const passages = splitArticle(
      article([
        { heading: '', text: 'Lead text.' },
        { heading: 'Before you start', text: 'Find the receipt.' },
        { heading: 'Refunds', text: 'We refund.' },
      ]),
      'imp-1',
      '2026-01-01T00:00:00.000Z',
    );
    expect(passages.map((p) => [p.id, p.anchor, p.url, p.position])).toEqual([
      ['art#top', 'top', '/kb/articles/art', 0],
      ['art#before-you-start', 'before-you-start', '/kb/articles/art#before-you-start', 1],
      ['art#refunds', 'refunds', '/kb/articles/art#refunds', 2],
    ]);
    for (const p of passages) {
      expect(p.article_id).toBe('art');
      expect(p.title).toBe('An article');
      expect(p.import_id).toBe('imp-1');
      expect(p.created_at).toBe('2026-01-01T00:00:00.000Z');
    }
    expect(JSON.parse(passages[0]!.metadata as string)).toEqual({ tags: ['t'] });
    expect(JSON.parse(passages[1]!.metadata as string)).toEqual({ tags: ['t'], section: 'Before you start' });
  });

  it('keeps the article id, url and no anchor for a single-passage article', () => {
    const passages = splitArticle(article([{ heading: 'Only', text: 'Just one short section.' }]), 'i', 't');
    expect(passages).toHaveLength(1);
    expect(passages[0]).toMatchObject({ id: 'art', anchor: '', url: '/kb/articles/art', position: 0, text: 'Just one short section.' });
    expect(JSON.parse(passages[0]!.metadata as string)).toEqual({ tags: ['t'], section: 'Only' });
  });

  it('cuts a long section at paragraph boundaries into chunks of at most 220 words, losing no word', () => {
    const paragraphs = Array.from({ length: 6 }, (_, i) => words(90, `p${i}w`));
    const text = paragraphs.join('\n\n');
    const passages = splitArticle(article([{ heading: 'Long part', text }]), 'i', 't');
    expect(passages.length).toBeGreaterThanOrEqual(3);
    for (const p of passages) expect(wordCount(p.text)).toBeLessThanOrEqual(220);
    expect(passages.map((p) => p.anchor)).toEqual(passages.map((_, i) => `long-part-${i + 1}`));
    expect(passages.map((p) => p.text).join('\n\n')).toBe(text);
  });

  it('cuts one huge paragraph at sentence boundaries', () => {
    const sentences = Array.from({ length: 40 }, (_, i) => `Sentence ${i} has ${words(12, `s${i}x`)}.`);
    const passages = splitArticle(article([{ heading: 'Wall of text', text: sentences.join(' ') }]), 'i', 't');
    expect(passages.length).toBeGreaterThan(1);
    for (const p of passages) {
      expect(wordCount(p.text)).toBeLessThanOrEqual(220);
      expect(p.text).toMatch(/^Sentence \d+ /);
      expect(p.text).toMatch(/\.$/);
    }
    expect(passages.flatMap((p) => p.text.split(/\s+/))).toEqual(sentences.join(' ').split(/\s+/));
  });

  it('cuts text without sentence punctuation by words, losing no word', () => {
    const text = words(1000, 'log');
    const passages = splitArticle(article([{ heading: 'Pasted log', text }]), 'i', 't');
    expect(passages).toHaveLength(5);
    for (const p of passages) expect(wordCount(p.text)).toBeLessThanOrEqual(220);
    expect(passages.flatMap((p) => p.text.split(/\s+/))).toEqual(text.split(/\s+/));
  });

  it('cuts a "word" of megabytes (an embedded image, a dump without spaces) into passages of at most 4,000 characters', () => {
    const blob = 'A'.repeat(1_000_000);
    const passages = splitArticle(article([{ heading: 'Attachment', text: `See the picture: ${blob}` }]), 'i', 't');
    expect(passages.length).toBeGreaterThanOrEqual(250);
    for (const p of passages) expect(p.text.length).toBeLessThanOrEqual(4000);
    expect(
      passages
        .map((p) => p.text)
        .join('')
        .replace(/\s+/g, ''),
    ).toBe(`Seethepicture:${blob}`);
  });

  it('gives every passage a unique anchor and id, even with repeated or colliding headings', () => {
    const passages = splitArticle(
      article([
        { heading: '', text: 'Lead.' },
        { heading: 'Details', text: 'One.' },
        { heading: 'Details', text: 'Two.' },
        { heading: 'Details 2', text: 'Three.' },
        { heading: 'Details', text: words(500) },
        { heading: '¿?', text: 'Four.' },
        { heading: '!!', text: 'Five.' },
      ]),
      'i',
      't',
    );
    const anchors = passages.map((p) => p.anchor);
    expect(new Set(anchors).size).toBe(anchors.length);
    expect(new Set(passages.map((p) => p.id)).size).toBe(passages.length);
    expect(anchors.slice(0, 4)).toEqual(['top', 'details', 'details-2', 'details-2-2']);
    expect(anchors).toContain('section');
    for (const p of passages) expect(p.id).toBe(`art#${p.anchor}`);
  });

  it('skips empty sections and makes nothing of an empty article', () => {
    expect(splitArticle(article([]), 'i', 't')).toEqual([]);
    const passages = splitArticle(
      article([
        { heading: 'Empty', text: '  \n ' },
        { heading: 'Real', text: 'Content.' },
      ]),
      'i',
      't',
    );
    expect(passages.map((p) => p.id)).toEqual(['art']);
  });
});
