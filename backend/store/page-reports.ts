/** "Report this page" reports from agents whose adapter could not read a ticket; read by admins to repair selectors. */
import type { Kysely } from 'kysely';
import { type HostName, type PageReport, type PageReportItem, uuidv7 } from '../../shared/index.ts';
import type { Database, PageReportRow } from './schema.ts';

export interface PageReportOrigin {
  tenant: string;
  keyId: string | null;
  receivedAt: Date;
}

/** Stores one report under a new UUID v7 (made here, so ids sort by arrival); answers the id. */
export async function savePageReport(db: Kysely<Database>, report: PageReport, origin: PageReportOrigin): Promise<string> {
  const id = uuidv7(origin.receivedAt.getTime());
  await db
    .insertInto('page_reports')
    .values({
      id,
      tenant: origin.tenant,
      host: report.host,
      url: report.url,
      reason: report.reason,
      selector_key: report.selectorKey ?? null,
      selectors: report.selectors === undefined ? null : JSON.stringify(report.selectors),
      extension_version: report.extensionVersion,
      client_time: report.clientTime,
      received_at: origin.receivedAt.toISOString(),
      key_id: origin.keyId,
    })
    .execute();
  return id;
}

function toItem(row: PageReportRow): PageReportItem {
  return {
    id: row.id,
    host: row.host as HostName,
    url: row.url,
    reason: row.reason,
    selectorKey: row.selector_key,
    selectors: row.selectors === null ? null : (JSON.parse(row.selectors) as string[]),
    extensionVersion: row.extension_version,
    clientTime: row.client_time,
    receivedAt: row.received_at,
    keyId: row.key_id,
  };
}

/** The tenant's newest `limit` reports, newest received first. */
export async function listPageReports(db: Kysely<Database>, tenant: string, limit: number): Promise<PageReportItem[]> {
  const rows = await db
    .selectFrom('page_reports')
    .selectAll()
    .where('tenant', '=', tenant)
    .orderBy('received_at', 'desc')
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
  return rows.map(toItem);
}
