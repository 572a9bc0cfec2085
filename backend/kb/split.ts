/**
 * Splits articles into passages small enough to be read in the sidebar and scored precisely, each keeping its
 * article id, title and an anchor into the article. Sections become passages; a section longer than
 * MAX_WORDS is cut at paragraph (then sentence, then word) boundaries.
 */
import type { PassageDraft } from '../store/schema.ts';
import { type Article, slugify } from './article.ts';

const MAX_WORDS = 220;
/** A passage's characters at most: a "word" of megabytes (an embedded image, a dump without spaces) is cut too. */
const MAX_CHARS = 4000;

export function splitArticle(article: Article, importId: string, createdAt: string): PassageDraft[] {
  const pieces: { anchor: string; heading: string; text: string }[] = [];
  const usedAnchors = new Set<string>();
  for (const section of article.sections) {
    const base = slugify(section.heading) || (pieces.length === 0 ? 'top' : 'section');
    const chunks = chunkText(section.text);
    chunks.forEach((text, i) => {
      let anchor = chunks.length > 1 ? `${base}-${i + 1}` : base;
      for (let n = 2; usedAnchors.has(anchor); n++) anchor = `${base}-${n}`;
      usedAnchors.add(anchor);
      pieces.push({ anchor, heading: section.heading, text });
    });
  }
  const single = pieces.length === 1;
  return pieces.map((piece, position) => ({
    id: single ? article.id : `${article.id}#${piece.anchor}`,
    article_id: article.id,
    title: article.title,
    text: piece.text,
    url: single || piece.anchor === 'top' ? article.url : `${article.url}#${piece.anchor}`,
    anchor: single ? '' : piece.anchor,
    position,
    metadata: JSON.stringify(piece.heading ? { ...article.metadata, section: piece.heading } : article.metadata),
    import_id: importId,
    created_at: createdAt,
  }));
}

function wordCount(text: string): number {
  return text.split(/\s+/).filter(Boolean).length;
}

/** Cuts text into pieces of at most MAX_WORDS words and MAX_CHARS characters. */
function byWords(text: string): string[] {
  const pieces: string[] = [];
  let current = '';
  let words = 0;
  for (const word of text.split(/\s+/).filter(Boolean)) {
    for (let at = 0; at < word.length; at += MAX_CHARS) {
      const part = word.slice(at, at + MAX_CHARS);
      if (current && (words >= MAX_WORDS || current.length + 1 + part.length > MAX_CHARS)) {
        pieces.push(current);
        current = '';
        words = 0;
      }
      current = current ? `${current} ${part}` : part;
      words++;
    }
  }
  if (current) pieces.push(current);
  return pieces;
}

/** Greedily packs paragraphs (or, for one huge paragraph, sentences) into chunks of at most MAX_WORDS and MAX_CHARS. */
function chunkText(text: string): string[] {
  const trimmed = text.trim();
  if (!trimmed) return [];
  if (wordCount(trimmed) <= MAX_WORDS && trimmed.length <= MAX_CHARS) return [trimmed];
  // Paragraphs, then sentences; a run of text without sentence punctuation (a pasted log, a table dump) by words.
  const units = trimmed
    .split(/\n\s*\n/)
    .flatMap((p) => (wordCount(p) > MAX_WORDS || p.length > MAX_CHARS ? p.split(/(?<=[.!?])\s+/) : [p]))
    .flatMap((u) => (wordCount(u) > MAX_WORDS || u.length > MAX_CHARS ? byWords(u) : [u]));
  const chunks: string[] = [];
  let current: string[] = [];
  let words = 0;
  let chars = 0;
  for (const unit of units) {
    const n = wordCount(unit);
    if ((words + n > MAX_WORDS || chars + unit.length > MAX_CHARS) && current.length > 0) {
      chunks.push(current.join('\n\n'));
      current = [];
      words = 0;
      chars = 0;
    }
    current.push(unit.trim());
    words += n;
    chars += unit.length + 2;
  }
  if (current.length > 0) chunks.push(current.join('\n\n'));
  return chunks;
}
