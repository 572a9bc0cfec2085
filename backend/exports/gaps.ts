/**
 * `gaps`: the missing-knowledge queue — similar reports grouped by the flywheel's `groupGaps`, biggest gap first —
 * as `gaps.jsonl.gz` (one group a line, every report in it kept with its annotator) and `gaps.csv.gz` (one row per
 * report, in queue order, with its group's id, title and size, for a spreadsheet).
 *
 * Grouping needs every report of the window at once, so this writer keeps the window's missing-knowledge reports
 * (only those) until it finishes; they are a small share of all signals.
 */
import { GAP_CSV_COLUMNS, type ExportProvenance } from '../../shared/index.ts';
import { groupGaps } from '../flywheel/gaps.ts';
import { clean, provenanceOf } from './prompt.ts';
import type { ExportAnnotation } from './records.ts';
import { openSink } from './sink.ts';
import type { ExportWriter, WriterContext } from './writer.ts';

interface Kept {
  item: ExportAnnotation;
  query: string | null;
  provenance: ExportProvenance;
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
  const kept = new Map<string, Kept>();
  return {
    async write(group) {
      for (const item of group.items) {
        if (item.annotation.kind !== 'missing_knowledge') continue;
        const query = group.suggestion ? clean(group.suggestion.query) : null;
        kept.set(item.annotation.id, { item, query, provenance: provenanceOf(group, [item]) });
      }
    },
    async finish() {
      await csv.text(`${GAP_CSV_COLUMNS.join(',')}\r\n`);
      const groups = groupGaps([...kept.values()].map((k) => k.item.annotation));
      for (const g of groups) {
        const members = g.annotationIds.map((id) => kept.get(id)!);
        const title = clean(g.title);
        const reports = members.map(({ item, query }) => {
          const a = item.annotation as Extract<ExportAnnotation['annotation'], { kind: 'missing_knowledge' }>;
          return {
            id: a.id,
            agent: a.agent,
            ticketId: a.ticketId,
            suggestionId: a.suggestionId,
            description: clean(a.description),
            proposedTitle: a.proposedTitle === undefined ? null : clean(a.proposedTitle),
            outdatedArticleId: a.outdatedArticleId ?? null,
            query,
            clientTime: a.clientTime,
            receivedAt: item.receivedAt,
          };
        });
        const record = {
          id: g.id,
          title,
          count: g.count,
          agents: g.agents,
          firstSeen: g.firstSeen,
          lastSeen: g.lastSeen,
          exampleTickets: g.exampleTickets,
          outdatedArticleIds: g.outdatedArticleIds,
          reports,
          metadata: { provenance: members.map((m) => m.provenance) },
        };
        await jsonl.record(`${JSON.stringify(record)}\n`);
        for (const [i, r] of reports.entries()) {
          const gate = members[i]!.item.gate;
          const row = [g.id, title, g.count, r.id, r.receivedAt, r.agent, r.ticketId, r.suggestionId, r.description, r.proposedTitle, r.outdatedArticleId, r.query, gate.status, gate.weight];
          await csv.record(`${row.map(csvField).join(',')}\r\n`);
        }
      }
      kept.clear();
      return [await jsonl.close(), await csv.close()];
    },
  };
}
