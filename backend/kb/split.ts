/**
 * Splits articles into passages small enough to be read in the sidebar and scored precisely, each keeping its
 * article id, title and an anchor into the article. Sections become passages; a section longer than
 * MAX_WORDS is cut at paragraph (then sentence) boundaries.
 */
import type { NewPassage } from '../store/schema.ts';
import { type Article, slugify } from './article.ts';

const MAX_WORDS = 220;

export function splitArticle(article: Article, importId: string, createdAt: string): NewPassage[] {
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

/** Greedily packs paragraphs (or, for one huge paragraph, sentences) into chunks of at most MAX_WORDS. */
function chunkText(text: string): string[] {
  const trimmed = text.trim();
  if (!trimmed) return [];
  if (wordCount(trimmed) <= MAX_WORDS) return [trimmed];
  const units = trimmed.split(/\n\s*\n/).flatMap((p) => (wordCount(p) > MAX_WORDS ? p.split(/(?<=[.!?])\s+/) : [p]));
  const chunks: string[] = [];
  let current: string[] = [];
  let words = 0;
  for (const unit of units) {
    const n = wordCount(unit);
    if (words + n > MAX_WORDS && current.length > 0) {
      chunks.push(current.join('\n\n'));
      current = [];
      words = 0;
    }
    current.push(unit.trim());
    words += n;
  }
  if (current.length > 0) chunks.push(current.join('\n\n'));
  return chunks;
}
