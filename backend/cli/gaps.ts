/**
 * `aitl gaps [--tenant T] [--json] [--limit N]`: the gap queue for knowledge authors, as GET /v1/gaps answers it.
 * Without --json, one block per gap, biggest first; with --json, the GapList object alone.
 */
import { parseArgs } from 'node:util';
import type { GapGroup } from '../../shared/index.ts';
import { loadConfig } from '../config.ts';
import { gapQueue } from '../gaps/queue.ts';
import { openStore, type Store } from '../store/connect.ts';
import { type Command, type Out, usageFailure } from './kit.ts';

const GAPS_USAGE = 'Usage: aitl gaps [--tenant T] [--json] [--limit N]   (N from 1 to 500, default 20)';

export const gaps: Command = { usage: GAPS_USAGE, run: (args, out, err) => gapsCommand(args, out, err) };

/** Runs the command; `store` (tests) is used as is and left open, else the configured store is opened and closed. */
export async function gapsCommand(args: string[], out: Out, err: Out, store?: Store): Promise<number> {
  let values: { tenant?: string | undefined; json?: boolean | undefined; limit?: string | undefined };
  try {
    ({ values } = parseArgs({
      args,
      options: { tenant: { type: 'string' }, json: { type: 'boolean', default: false }, limit: { type: 'string', default: '20' } },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    return usageFailure(err, GAPS_USAGE, (error as Error).message);
  }
  const limit = Number(values.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 500) return usageFailure(err, GAPS_USAGE, '--limit must be a whole number from 1 to 500');
  const tenantFlag = values.tenant?.trim();
  if (tenantFlag !== undefined && (!tenantFlag || tenantFlag.length > 128))
    return usageFailure(err, GAPS_USAGE, '--tenant must be 1 to 128 characters');
  const config = store && tenantFlag ? undefined : loadConfig();
  const tenant = tenantFlag ?? config!.defaultTenant;
  const opened = store ?? (await openStore(config!.databaseUrl));
  try {
    const list = await gapQueue(opened.db, tenant, { limit });
    if (values.json) {
      out(JSON.stringify(list));
      return 0;
    }
    if (list.total === 0) {
      out(`No missing-knowledge reports for tenant ${tenant}.`);
      return 0;
    }
    out(
      `${list.total} gap${list.total === 1 ? '' : 's'} from ${list.reports} report${list.reports === 1 ? '' : 's'} for tenant ${tenant}${list.total > list.groups.length ? `; the ${list.groups.length} biggest` : ''}:`,
    );
    for (const group of list.groups) for (const line of describe(group)) out(line);
    return 0;
  } finally {
    if (!store) await opened.close();
  }
}

function describe(g: GapGroup): string[] {
  const lines = [
    '',
    `${String(g.count).padStart(4)} × ${g.title}`,
    `       ${g.agents} agent${g.agents === 1 ? '' : 's'}, first ${g.firstSeen.slice(0, 10)}, last ${g.lastSeen.slice(0, 10)}, tickets ${g.exampleTickets.join(', ')}  [${g.id}]`,
  ];
  if (g.outdatedArticleIds.length > 0) lines.push(`       outdated: ${g.outdatedArticleIds.join(', ')}`);
  return lines;
}
