/**
 * `gaps`: the missing-knowledge queue — similar reports grouped by the flywheel's `groupGaps`, biggest gap first —
 * as `gaps.jsonl.gz` (one group a line, every report in it kept with its annotator) and `gaps.csv.gz` (one row per
 * report, in queue order, with its group's id, title and size, for a spreadsheet).
 *
 * Grouping needs every report of the window at once. So that memory does not grow with the batch, only what
 * grouping reads (id, agent, time, ticket, description, title, outdated article) stays in memory; each report's
 * output, serialised as it comes, waits in a spill file beside the batch and is read back in queue order.
 */
import { closeSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { GAP_CSV_COLUMNS, nameMatcher, redactText, type AnnotationOf } from '../../shared/index.ts';
import { groupGaps } from '../gaps/queue.ts';
import { cleanIn, namesOf, provenanceOf } from './prompt.ts';
import { openSink } from './sink.ts';
import type { ExportWriter, WriterContext } from './writer.ts';

type Report = AnnotationOf<'missing_knowledge'>;

interface Kept {
  /** What groupGaps reads, and nothing else. */
  report: Report;
  /** Where this report's output lies in the spill file: report JSON, provenance JSON and CSV tail, `\n`-separated. */
  offset: number;
  bytes: number;
  /** The names redacted from its group's texts: a gap's title, drawn from its reports' raw text, is redacted with them. */
  names: readonly string[];
}

/** One CSV field: quoted when needed (RFC 4180); text that a spreadsheet would run as a formula gets a leading `'`. */
export function csvField(value: string | number | null): string {
  if (value === null) return '';
  let s = String(value);
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function gapsWriter(ctx: WriterContext): ExportWriter {
  const jsonl = openSink(ctx.root, { path: 'gaps.jsonl.gz', kind: 'gaps', format: 'gap-queue-jsonl', gzip: true });
  const csv = openSink(ctx.root, { path: 'gaps.csv.gz', kind: 'gaps', format: 'gap-queue-csv', gzip: true });
  const spillPath = join(ctx.root, '.gaps.spill');
  const spill = openSync(spillPath, 'w+');
  let spilled = 0;
  const kept = new Map<string, Kept>();

  const readBack = (k: Kept): [string, string, string] => {
    const buffer = Buffer.allocUnsafe(k.bytes);
    readSync(spill, buffer, 0, k.bytes, k.offset);
    return buffer.toString('utf8').split('\n') as [string, string, string];
  };

  return {
    async write(group) {
      for (const item of group.items) {
        const a = item.annotation;
        if (a.kind !== 'missing_knowledge') continue;
        const out = {
          id: a.id,
          agent: a.agent,
          ticketId: a.ticketId,
          suggestionId: a.suggestionId,
          description: cleanIn(group, a.description),
          proposedTitle: a.proposedTitle === undefined ? null : cleanIn(group, a.proposedTitle),
          outdatedArticleId: a.outdatedArticleId ?? null,
          query: group.suggestion ? cleanIn(group, group.suggestion.query) : null,
          clientTime: a.clientTime,
          receivedAt: item.receivedAt,
        };
        const fields = [
          out.id,
          out.receivedAt,
          out.agent,
          out.ticketId,
          out.suggestionId,
          out.description,
          out.proposedTitle,
          out.outdatedArticleId,
          out.query,
          item.gate.status,
          item.gate.weight,
        ];
        // JSON has no raw newlines; the CSV tail's (quoted) ones are escaped here and restored on reading.
        const text = `${JSON.stringify(out)}\n${JSON.stringify(provenanceOf(group, [item]))}\n${JSON.stringify(fields.map(csvField).join(','))}`;
        const bytes = writeSync(spill, text, spilled, 'utf8');
        const { description, proposedTitle, outdatedArticleId } = a;
        const report = {
          kind: a.kind,
          tenant: a.tenant,
          id: a.id,
          agent: a.agent,
          clientTime: a.clientTime,
          ticketId: a.ticketId,
          description,
          proposedTitle,
          outdatedArticleId,
        } as Report;
        kept.set(a.id, { report, offset: spilled, bytes, names: namesOf(group)?.names ?? [] });
        spilled += bytes;
      }
    },
    async finish() {
      try {
        await csv.text(`${GAP_CSV_COLUMNS.join(',')}\r\n`);
        const groups = groupGaps([...kept.values()].map((k) => k.report));
        for (const g of groups) {
          const members = g.annotationIds.map((id) => readBack(kept.get(id)!));
          const title = redactText(g.title, nameMatcher(g.annotationIds.flatMap((id) => kept.get(id)!.names)));
          await jsonl.fields([
            ['id', JSON.stringify(g.id)],
            ['title', JSON.stringify(title)],
            ['count', String(g.count)],
            ['agents', String(g.agents)],
            ['firstSeen', JSON.stringify(g.firstSeen)],
            ['lastSeen', JSON.stringify(g.lastSeen)],
            ['exampleTickets', JSON.stringify(g.exampleTickets)],
            ['outdatedArticleIds', JSON.stringify(g.outdatedArticleIds)],
            ['reports', `[${members.map((m) => m[0]).join(',')}]`],
            ['metadata', `{"provenance":[${members.map((m) => m[1]).join(',')}]}`],
          ]);
          const head = `${csvField(g.id)},${csvField(title)},${g.count},`;
          for (const m of members) await csv.record(`${head}${JSON.parse(m[2]) as string}\r\n`);
        }
      } finally {
        kept.clear();
        closeSync(spill);
        rmSync(spillPath, { force: true });
      }
      return [await jsonl.close(), await csv.close()];
    },
  };
}
