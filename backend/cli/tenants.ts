/** `aitl tenants list [--json]`: every tenant with its keys by role, annotations, suggestions and last activity. */
import { parseArgs } from 'node:util';
import { tenantSummaries } from '../admin/tenants.ts';
import { type Command, type Out, table, usageFailure, withStore, withUsage } from './kit.ts';

const TENANTS_USAGE = `Usage: aitl tenants list [--json]

Every tenant: keys by role (active, revoked), annotations, suggestions, last activity, whether it has a host config.`;

export const tenants: Command = {
  usage: TENANTS_USAGE,
  async run(args, out, err) {
    const [sub, ...rest] = args;
    if (sub !== 'list') return usageFailure(err, TENANTS_USAGE);
    return await withUsage(TENANTS_USAGE, err, () => tenantsList(rest, out));
  },
};

async function tenantsList(rest: string[], out: Out): Promise<number> {
  const { values } = parseArgs({ args: rest, options: { json: { type: 'boolean' } }, strict: true });
  const tenants = await withStore((store) => tenantSummaries(store.db));
  if (values.json) {
    out(JSON.stringify({ items: tenants }));
    return 0;
  }
  if (tenants.length === 0) {
    out('No tenants yet: a tenant exists once a key is made for it (aitl keys create --tenant T --role agent).');
    return 0;
  }
  table(
    out,
    ['TENANT', 'KEYS', 'REVOKED', 'AGENT/ANALYST/ADMIN', 'ANNOTATIONS', 'SUGGESTIONS', 'LAST ACTIVITY', 'CONFIG'],
    tenants.map((t) => [
      t.tenant,
      String(t.keys.active),
      String(t.keys.revoked),
      `${t.keys.agent}/${t.keys.analyst}/${t.keys.admin}`,
      String(t.annotations),
      String(t.suggestions),
      t.lastActivityAt ?? '-',
      t.hostConfig ? 'yes' : '-',
    ]),
  );
  return 0;
}
