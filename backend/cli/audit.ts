/** `aitl audit [--tenant T] [--action A] [--since ISO] [--limit N] [--json]`: the audit log, newest first. */
import { parseArgs } from 'node:util';
import { queryAudit } from '../store/audit.ts';
import { type Command, type Out, table, UsageError, withStore, withUsage } from './kit.ts';

const AUDIT_USAGE = `Usage: aitl audit [--tenant T] [--action A] [--since ISO] [--limit N] [--json]

The audit log, newest first: admin API and command-line changes, exports. --limit from 1 to 10000 (default 100).`;

export const audit: Command = {
  usage: AUDIT_USAGE,
  run: (args, out, err) => withUsage(AUDIT_USAGE, err, () => auditList(args, out)),
};

async function auditList(args: string[], out: Out): Promise<number> {
  const options = {
    tenant: { type: 'string' },
    action: { type: 'string' },
    since: { type: 'string' },
    limit: { type: 'string' },
    json: { type: 'boolean' },
  } as const;
  const { values } = parseArgs({ args, options, strict: true });
  const limit = values.limit === undefined ? 100 : Number(values.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) throw new UsageError('--limit must be a whole number from 1 to 10000');
  if (values.since !== undefined && Number.isNaN(Date.parse(values.since))) throw new UsageError('--since must be an ISO 8601 time');
  const entries = await withStore((store) =>
    queryAudit(store.db, {
      tenants: values.tenant === undefined ? undefined : [values.tenant],
      action: values.action,
      since: values.since,
      limit,
    }),
  );
  if (values.json) {
    out(JSON.stringify({ items: entries }));
    return 0;
  }
  if (entries.length === 0) {
    const scope = [
      values.tenant === undefined ? '' : ` of tenant ${values.tenant}`,
      values.action === undefined ? '' : ` with action ${values.action}`,
      values.since === undefined ? '' : ` since ${values.since}`,
    ].join('');
    out(`No audit entries${scope} yet.`);
    return 0;
  }
  table(
    out,
    ['AT', 'TENANT', 'ACTOR', 'ROLE', 'ACTION', 'TARGET', 'DETAIL'],
    entries.map((e) => [e.at, e.tenant, e.actor, e.role, e.action, e.target ?? '-', JSON.stringify(e.detail)]),
  );
  return 0;
}
