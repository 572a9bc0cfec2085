/**
 * `aitl kb import PATH [--tenant T]`: import a BEIR folder, a JSONL file or a folder of Markdown articles.
 * `aitl kb status [--tenant T] [--json]`: the knowledge base serving a tenant (newest import, passages, index version).
 */
import { parseArgs } from 'node:util';
import { kbStatus } from '../admin/kb.ts';
import { loadConfig } from '../config.ts';
import { ImportBusyError, ingestKnowledge } from '../kb/ingest.ts';
import { ImportError } from '../kb/sources.ts';
import { SHARED_KNOWLEDGE } from '../rag/knowledge-bases.ts';
import { createKnowledge } from '../rag/knowledge.ts';
import { GLOBAL_AUDIT_TENANT } from '../store/audit.ts';
import { openStore } from '../store/connect.ts';
import { auditCli, type Command, type Out, usageFailure, withStore, withUsage } from './kit.ts';

const KB_IMPORT_USAGE = `Usage: aitl kb import PATH [--tenant T]

PATH: a BEIR folder (corpus.jsonl), a JSONL file of {id,title,body,url?,tags?}, or a folder of Markdown articles.
--tenant T  import into T's own knowledge base; without it, into the shared one (serving every tenant without its own)`;

const KB_STATUS_USAGE = `Usage: aitl kb status [--tenant T] [--json]

The knowledge base serving tenant T (default AITL_DEFAULT_TENANT): its newest import, passages stored, index version.`;

const KB_USAGE = `${KB_IMPORT_USAGE}\n\n${KB_STATUS_USAGE}`;

export const kb: Command = {
  usage: KB_USAGE,
  async run(args, out, err) {
    const [sub, ...rest] = args;
    if (sub === 'import') return await kbImport(rest, out, err);
    if (sub === 'status') return await withUsage(KB_STATUS_USAGE, err, () => kbStatusCommand(rest, out));
    return usageFailure(err, KB_USAGE);
  },
};

async function kbImport(args: string[], out: Out, err: Out): Promise<number> {
  let parsed: { values: { tenant?: string | undefined }; positionals: string[] };
  try {
    parsed = parseArgs({ args, options: { tenant: { type: 'string' } }, strict: true, allowPositionals: true });
  } catch (error) {
    return usageFailure(err, KB_IMPORT_USAGE, (error as Error).message);
  }
  const [path, ...extra] = parsed.positionals;
  const tenant = parsed.values.tenant?.trim();
  if (!path || extra.length > 0 || tenant === '' || (tenant && tenant.length > 128)) {
    return usageFailure(err, 'Usage: aitl kb import PATH [--tenant T]   (one PATH; T 1 to 128 characters)');
  }
  const config = loadConfig();
  // AITL_KNOWLEDGE=shared keeps one knowledge base for all: a tenant named here imports into it too.
  const base = tenant && config.knowledge !== 'shared' ? tenant : SHARED_KNOWLEDGE;
  const store = await openStore(config.databaseUrl);
  try {
    const result = await ingestKnowledge(store, path, { base, embed: config.embed });
    const into = base === SHARED_KNOWLEDGE ? 'the shared knowledge base' : `tenant ${base}'s knowledge base`;
    out(
      `Imported ${result.articles} articles as ${result.passages} passages (${result.format}) into ${into} in ${store.location}; import ${result.importId}`,
    );
    await auditCli(store.db, {
      tenant: base === SHARED_KNOWLEDGE ? GLOBAL_AUDIT_TENANT : base,
      action: 'kb.import',
      target: result.importId,
      detail: { source: path, format: result.format, articles: result.articles, passages: result.passages, base },
    });
    if (result.embedding && 'error' in result.embedding) out(`Embeddings not stored (${result.embedding.error}); run the import again to retry`);
    else if (result.embedding) out(`Embedded ${result.embedding.embedded} passages with ${config.embed!.model}`);
    return 0;
  } catch (error) {
    if (error instanceof ImportError || error instanceof ImportBusyError) {
      err(error.message);
      return 1;
    }
    throw error;
  } finally {
    await store.close();
  }
}

async function kbStatusCommand(args: string[], out: Out): Promise<number> {
  const { values } = parseArgs({ args, options: { json: { type: 'boolean' }, tenant: { type: 'string' } }, strict: true });
  const config = loadConfig();
  const tenant = values.tenant ?? config.defaultTenant;
  const status = await withStore(async (store) =>
    kbStatus({ store, knowledge: await createKnowledge(store.db, { embedModel: config.embed?.model, mode: config.knowledge }) }, tenant),
  );
  if (values.json) {
    out(JSON.stringify(status));
    return 0;
  }
  out(`knowledge base  ${status.base === '*' ? 'shared (*)' : status.base} serving tenant ${tenant}`);
  const last = status.latestImport;
  out(
    last
      ? `latest import ${last.id}: ${last.articles} articles as ${last.passages} passages (${last.format}) from ${last.source}, ${last.createdAt}`
      : 'no import yet',
  );
  out(`passages stored ${status.passages}`);
  out(`index version   ${status.indexVersion}`);
  return 0;
}
