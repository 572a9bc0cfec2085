/**
 * What every `aitl` command shares: the output callback type, a command's shape, the one way to report a usage error
 * (the message, a blank line, the command's usage; exit code 2), `--help` detection, the configured store opened for
 * one command, aligned tables, and audit entries for what the command line changes.
 *
 *   export const example: Command = { usage: USAGE, run: (args, out, err) => withUsage(USAGE, err, () => body(args, out)) };
 */
import type { Kysely } from 'kysely';
import { loadConfig } from '../config.ts';
import { type AuditEntry, recordAudit } from '../store/audit.ts';
import { openStore, type Store } from '../store/connect.ts';
import type { Database } from '../store/schema.ts';

/** Where a command writes one line: stdout (`out`) or stderr (`err`). */
export type Out = (line: string) => void;

/** One `aitl` command: its usage (for `--help`, `-h`, `aitl help <command>` and usage errors) and its body. */
export interface Command {
  usage: string;
  run(args: string[], out: Out, err: Out): Promise<number>;
}

/** Wrong arguments: reported with the command's usage, exit code 2. */
export class UsageError extends Error {}

/** Prints a usage error: `message`, a blank line and `usage` (only `usage` without a message). Answers exit code 2. */
export function usageFailure(err: Out, usage: string, message?: string): 2 {
  err(message === undefined ? usage : `${message}\n\n${usage}`);
  return 2;
}

/** Runs `body`; a UsageError or a node:util parseArgs error thrown from it is printed with `usage` and answers 2. */
export async function withUsage(usage: string, err: Out, body: () => Promise<number>): Promise<number> {
  try {
    return await body();
  } catch (error) {
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS'))
      return usageFailure(err, usage, (error as Error).message);
    throw error;
  }
}

/** Whether the arguments ask for help: `--help` or `-h` anywhere before a `--`. */
export function asksForHelp(args: readonly string[]): boolean {
  const end = args.indexOf('--');
  return (end < 0 ? args : args.slice(0, end)).some((a) => a === '--help' || a === '-h');
}

/** Runs `run` on the configured store (AITL_DATABASE_URL), closed afterwards. */
export async function withStore<T>(run: (store: Store) => Promise<T>): Promise<T> {
  const store = await openStore(loadConfig().databaseUrl);
  try {
    return await run(store);
  } finally {
    await store.close();
  }
}

/** Rows as aligned columns under a header. */
export function table(out: Out, header: string[], rows: string[][]): void {
  const all = [header, ...rows];
  const widths = header.map((_, i) => Math.max(...all.map((r) => r[i]!.length)));
  for (const r of all)
    out(
      r
        .map((cell, i) => cell.padEnd(widths[i]!))
        .join('  ')
        .trimEnd(),
    );
}

/**
 * Audit entries for what the command line changes (actor `cli`, role `admin`: whoever runs it can open the store).
 *
 * Written on the store the command changed, right after the change.
 *
 *   await auditCli(store.db, { tenant: 'acme', action: 'key.create', target: id, detail: { role } });
 */
export async function auditCli(db: Kysely<Database>, entry: Omit<AuditEntry, 'actor' | 'role'>): Promise<void> {
  await recordAudit(db, { ...entry, actor: 'cli', role: 'admin' });
}
