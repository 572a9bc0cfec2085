/**
 * Audit entries for what the command line changes (actor `cli`, role `admin`: whoever runs it can open the store).
 *
 *   await auditCli({ tenant: 'acme', action: 'key.create', target: id, detail: { role } });
 */
import { loadConfig } from '../config.ts';
import { type AuditEntry, recordAudit } from '../store/audit.ts';
import { openStore } from '../store/connect.ts';

export async function auditCli(entry: Omit<AuditEntry, 'actor' | 'role'>): Promise<void> {
  const store = await openStore(loadConfig().databaseUrl);
  try {
    await recordAudit(store.db, { ...entry, actor: 'cli', role: 'admin' });
  } finally {
    await store.close();
  }
}
