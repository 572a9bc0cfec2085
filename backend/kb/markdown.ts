/**
 * Reads a Markdown article: `# Title` first, optional `<!-- tags: a, b -->` and `<!-- url: … -->` comments,
 * then sections under `##` headings. The file name (without `.md`) is the article id.
 */
import type { Article, ArticleSection } from './article.ts';

export function parseMarkdownArticle(id: string, source: string): Article {
  const lines = source.replace(/\r\n?/g, '\n').split('\n');
  let title = '';
  let url = `/kb/articles/${encodeURIComponent(id)}`;
  const metadata: Record<string, unknown> = {};
  const sections: ArticleSection[] = [{ heading: '', text: '' }];
  for (const line of lines) {
    const comment = /^<!--\s*(\w+)\s*:\s*(.*?)\s*-->\s*$/.exec(line);
    if (comment) {
      const [, key, value] = comment as unknown as [string, string, string];
      if (key === 'tags')
        metadata.tags = value
          .split(',')
          .map((t) => t.trim())
          .filter(Boolean);
      else if (key === 'url') url = value;
      else metadata[key] = value;
      continue;
    }
    const h1 = /^#\s+(.+?)\s*#*$/.exec(line);
    if (h1 && !title) {
      title = h1[1]!;
      continue;
    }
    const h2 = /^#{2,3}\s+(.+?)\s*#*$/.exec(line);
    if (h2) {
      sections.push({ heading: h2[1]!, text: '' });
      continue;
    }
    const last = sections[sections.length - 1]!;
    last.text += `${line}\n`;
  }
  const kept = sections.map((s) => ({ heading: s.heading, text: tidy(s.text) })).filter((s) => s.text);
  return { id, title: title || id, url, sections: kept, metadata };
}

/** Keeps paragraph breaks and list items, drops Markdown emphasis and link syntax the sidebar would show raw. */
function tidy(text: string): string {
  return text
    .replace(/\[([^\]]+)\]\([^)]+\)/g, '$1')
    .replace(/(\*\*|__|`)/g, '')
    .replace(/[ \t]+\n/g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}
