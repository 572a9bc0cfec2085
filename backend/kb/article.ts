/** An article as read from any source, before it is split into passages. */
export interface ArticleSection {
  /** Section heading, empty for the text before the first heading. */
  heading: string;
  text: string;
}

export interface Article {
  id: string;
  title: string;
  /** Absolute URL, or a path (`/kb/articles/<id>`) the backend serves and resolves against its own origin. */
  url: string;
  sections: ArticleSection[];
  /** Whatever else the source carried (tags, entity, product, doc type); kept for retrieval and exports. */
  metadata: Record<string, unknown>;
}

/** URL-fragment form of a heading: lower case, ASCII letters and digits joined by hyphens. */
export function slugify(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 80);
}
