/**
 * Readers for the knowledge-base formats `aitl kb import` accepts: a BEIR folder (corpus.jsonl), a JSONL file of
 * `{id,title,body,url?}`, or a folder of Markdown files. Every line or file is checked; a bad one fails the whole
 * import with its line number and field, so a knowledge base is never half imported.
 */
import { closeSync, createReadStream, openSync, readdirSync, readFileSync, readSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { createInterface } from 'node:readline';
import { z } from 'zod';
import { yieldToLoop } from '../event-loop.ts';
import type { Article } from './article.ts';
import { parseMarkdownArticle } from './markdown.ts';

export type SourceFormat = 'beir' | 'jsonl' | 'markdown';

const BeirDoc = z.object({
  _id: z.union([z.string().min(1), z.number()]).transform(String),
  title: z.string().default(''),
  text: z.string(),
  metadata: z.record(z.string(), z.unknown()).optional(),
});

const JsonlDoc = z.object({
  id: z.union([z.string().min(1), z.number()]).transform(String),
  title: z.string(),
  body: z.string().min(1),
  url: z.string().optional(),
  tags: z.array(z.string()).optional(),
  metadata: z.record(z.string(), z.unknown()).optional(),
});

/** One bad field of a source line (`path` empty when the line as a whole is bad). */
export interface ImportIssue {
  path: string;
  message: string;
}

/** Why a source cannot be imported; nothing was imported. `line` and `issues` say where when one line is bad. */
export class ImportError extends Error {
  override name = 'ImportError';
  constructor(
    message: string,
    readonly line?: number,
    readonly issues: readonly ImportIssue[] = [],
  ) {
    super(message);
  }

  /** A bad line of `file`: the message names the file, the line and each issue. */
  static atLine(file: string, line: number, issues: readonly ImportIssue[]): ImportError {
    const detail = issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; ');
    return new ImportError(`${file}:${line}: ${detail}`, line, issues);
  }
}

export interface ReadResult {
  format: SourceFormat;
  articles: Article[];
}

export async function readSource(path: string): Promise<ReadResult> {
  let stat;
  try {
    stat = statSync(path);
  } catch {
    throw new ImportError(`No such file or folder: ${path}`);
  }
  if (stat.isDirectory()) {
    const corpus = join(path, 'corpus.jsonl');
    if (exists(corpus)) return { format: 'beir', articles: await readJsonLines(corpus, beirArticle) };
    const files = markdownFiles(path);
    if (files.length === 0) throw new ImportError(`${path} holds neither corpus.jsonl (BEIR) nor any .md file`);
    return {
      format: 'markdown',
      articles: files.map((file) => parseMarkdownArticle(articleIdFor(path, file), readFileSync(file, 'utf8'))),
    };
  }
  if (/\.md$/i.test(path)) return { format: 'markdown', articles: [parseMarkdownArticle(articleIdFor('', path), readFileSync(path, 'utf8'))] };
  const firstLine = firstLineOf(path);
  const isBeir = /"_id"\s*:/.test(firstLine);
  return isBeir
    ? { format: 'beir', articles: await readJsonLines(path, beirArticle) }
    : { format: 'jsonl', articles: await readJsonLines(path, jsonlArticle) };
}

/** The file's first line, read without reading the whole file. */
function firstLineOf(path: string): string {
  const fd = openSync(path, 'r');
  try {
    const buffer = Buffer.alloc(64 * 1024);
    const read = readSync(fd, buffer, 0, buffer.length, 0);
    return buffer.subarray(0, read).toString('utf8').split('\n', 1)[0] ?? '';
  } finally {
    closeSync(fd);
  }
}

function beirArticle(value: unknown): Article {
  const doc = BeirDoc.parse(value);
  return { id: doc._id, title: doc.title, url: '', sections: [{ heading: '', text: doc.text }], metadata: doc.metadata ?? {} };
}

function jsonlArticle(value: unknown): Article {
  const doc = JsonlDoc.parse(value);
  const metadata = { ...(doc.metadata ?? {}), ...(doc.tags ? { tags: doc.tags } : {}) };
  return { id: doc.id, title: doc.title, url: doc.url ?? '', sections: [{ heading: '', text: doc.body }], metadata };
}

/** Reads the file a line at a time from a stream, so a large source never sits whole in memory or blocks the server. */
async function readJsonLines(file: string, toArticle: (value: unknown) => Article): Promise<Article[]> {
  const articles: Article[] = [];
  const lines = createInterface({ input: createReadStream(file, { encoding: 'utf8' }), crlfDelay: Infinity });
  let n = 0;
  for await (const line of lines) {
    n += 1;
    if (!line.trim()) continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      throw ImportError.atLine(file, n, [{ path: '', message: 'not valid JSON' }]);
    }
    try {
      articles.push(toArticle(value));
    } catch (error) {
      const issues =
        error instanceof z.ZodError
          ? error.issues.map((x) => ({ path: x.path.join('.'), message: x.message }))
          : [{ path: '', message: String(error) }];
      throw ImportError.atLine(file, n, issues);
    }
    // Requests are served between slices of lines.
    if (n % 500 === 0) await yieldToLoop();
  }
  if (articles.length === 0) throw new ImportError(`${file} has no documents`);
  return articles;
}

function markdownFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((name) => /\.md$/i.test(name) && !/(^|\/)readme\.md$/i.test(name))
    .map((name) => join(dir, name))
    .sort();
}

/** `guides/returns.md` under the folder becomes `guides-returns`. */
function articleIdFor(root: string, file: string): string {
  const rel = root ? relative(root, file) : file.split('/').pop()!;
  return rel.replace(/\.md$/i, '').replace(/[\\/]+/g, '-');
}

function exists(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}
