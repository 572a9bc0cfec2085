import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ImportError, readSource } from '../../../backend/kb/sources.ts';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'aitl-kb-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function write(name: string, content: string): string {
  const path = join(dir, name);
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, content);
  return path;
}

async function importError(path: string): Promise<ImportError> {
  try {
    await readSource(path);
  } catch (error) {
    expect(error).toBeInstanceOf(ImportError);
    return error as ImportError;
  }
  throw new Error(`expected readSource(${path}) to throw an ImportError`);
}

const jsonl = (...docs: unknown[]) => docs.map((d) => (typeof d === 'string' ? d : JSON.stringify(d))).join('\n');

describe('readSource: BEIR', () => {
  it('reads corpus.jsonl of a BEIR folder, ids made strings, metadata kept', async () => {
    write(
      'beir/corpus.jsonl',
      jsonl({ _id: 'd1', title: 'Refunds', text: 'Refunds take 5 days.', metadata: { entity: 'billing' } }, { _id: 42, text: 'No title here.' }) +
        '\n',
    );
    write('beir/queries.jsonl', jsonl({ _id: 'q1', text: 'refund?' }));
    const { format, articles } = await readSource(join(dir, 'beir'));
    expect(format).toBe('beir');
    expect(articles).toEqual([
      { id: 'd1', title: 'Refunds', url: '', sections: [{ heading: '', text: 'Refunds take 5 days.' }], metadata: { entity: 'billing' } },
      { id: '42', title: '', url: '', sections: [{ heading: '', text: 'No title here.' }], metadata: {} },
    ]);
  });

  it('recognises a BEIR corpus given as a file', async () => {
    const path = write('corpus-copy.jsonl', jsonl({ _id: 'd1', title: 'T', text: 'x' }));
    expect((await readSource(path)).format).toBe('beir');
  });

  it('names the line and the field of a bad BEIR document', async () => {
    write('beir/corpus.jsonl', jsonl({ _id: 'd1', text: 'ok' }, { _id: 'd2', title: 'no text' }));
    const error = await importError(join(dir, 'beir'));
    expect(error.message).toMatch(/corpus\.jsonl:2: /);
    expect(error.message).toContain('text');
  });
});

describe('readSource: JSONL', () => {
  it('reads {id,title,body,url?,tags?,metadata?} lines and skips blank lines', async () => {
    const path = write(
      'kb.jsonl',
      jsonl(
        { id: 'a', title: 'Alpha', body: 'Alpha body.', url: 'https://help.example.com/a', tags: ['x', 'y'], metadata: { product: 'lamp' } },
        '',
        '   ',
        { id: 7, title: 'Seven', body: 'Seven body.' },
      ) + '\r\n',
    );
    const { format, articles } = await readSource(path);
    expect(format).toBe('jsonl');
    expect(articles).toEqual([
      {
        id: 'a',
        title: 'Alpha',
        url: 'https://help.example.com/a',
        sections: [{ heading: '', text: 'Alpha body.' }],
        metadata: { product: 'lamp', tags: ['x', 'y'] },
      },
      { id: '7', title: 'Seven', url: '', sections: [{ heading: '', text: 'Seven body.' }], metadata: {} },
    ]);
  });

  it('fails the whole import on a bad line, naming its number and the field', async () => {
    const path = write('kb.jsonl', jsonl({ id: 'a', title: 'A', body: 'ok' }, '', { id: 'b', title: 'B', body: '' }));
    const error = await importError(path);
    expect(error.message).toContain(`${path}:3:`);
    expect(error.message).toMatch(/\bbody\b/);
  });

  it('names a missing field and a wrongly typed one', async () => {
    expect((await importError(write('missing.jsonl', jsonl({ id: 'a', body: 'x' })))).message).toMatch(/missing\.jsonl:1: .*title/);
    expect(
      (await importError(write('typed.jsonl', jsonl({ id: 'a', title: 'A', body: 'x' }, { id: 'b', title: 'B', body: 'y', tags: 'nope' })))).message,
    ).toMatch(/typed\.jsonl:2: .*tags/);
  });

  it('reports a line that is not JSON with its number', async () => {
    const path = write('broken.jsonl', `${jsonl({ id: 'a', title: 'A', body: 'x' })}\n{"id": "b", "title":`);
    expect((await importError(path)).message).toBe(`${path}:2: not valid JSON`);
  });

  it('refuses a file with no documents', async () => {
    const path = write('empty.jsonl', '\n\n');
    expect((await importError(path)).message).toContain('has no documents');
  });
});

describe('readSource: Markdown', () => {
  it('reads every .md file of a folder, nested ones included, README excluded, in path order', async () => {
    write('md/returns.md', '# Returns\n<!-- tags: returns -->\n\nSend it back.\n');
    write('md/guides/setup.md', '# Setup\n\n## Step one\n\nPlug it in.\n');
    write('md/README.md', '# Not an article\n\nignored');
    write('md/guides/readme.MD', '# Not an article either\n\nignored');
    write('md/notes.txt', 'not markdown');
    const { format, articles } = await readSource(join(dir, 'md'));
    expect(format).toBe('markdown');
    expect(articles.map((a) => [a.id, a.title])).toEqual([
      ['guides-setup', 'Setup'],
      ['returns', 'Returns'],
    ]);
    expect(articles[1]!.metadata).toEqual({ tags: ['returns'] });
    expect(articles[0]!.sections).toEqual([{ heading: 'Step one', text: 'Plug it in.' }]);
  });

  it('reads a single Markdown file, its name as id', async () => {
    const path = write('one/Gift-Cards.md', '# Gift cards\n\nThey never expire.');
    const { format, articles } = await readSource(path);
    expect(format).toBe('markdown');
    expect(articles.map((a) => a.id)).toEqual(['Gift-Cards']);
  });

  it('refuses a folder with neither corpus.jsonl nor Markdown', async () => {
    write('nothing/data.csv', 'a,b');
    expect((await importError(join(dir, 'nothing'))).message).toMatch(/neither corpus\.jsonl .* nor any \.md file/);
  });
});

describe('readSource: missing path', () => {
  it('throws an ImportError naming the path', async () => {
    const path = join(dir, 'does-not-exist');
    expect((await importError(path)).message).toBe(`No such file or folder: ${path}`);
  });
});
