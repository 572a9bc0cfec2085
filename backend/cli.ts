/**
 * The `aitl` command. Each subcommand reads the same AITL_* configuration as the server.
 *
 *   aitl serve              start the backend (demo help centre loaded when the knowledge base is empty)
 *   aitl kb import PATH     import a BEIR folder, a JSONL file or a folder of Markdown articles
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { ConfigError, loadConfig } from './config.ts';
import { importKnowledge } from './kb/import.ts';
import { ImportError } from './kb/sources.ts';
import { startServer } from './server.ts';
import { openStore } from './store/connect.ts';

const USAGE = `Usage: aitl <command>

Commands:
  serve                 Start the backend (AITL_HOST, AITL_PORT, AITL_DATABASE_URL)
  kb import PATH        Import knowledge: a BEIR folder (corpus.jsonl), a JSONL file of
                        {id,title,body,url?}, or a folder of Markdown articles
  help                  Show this help

Configuration is read from AITL_* environment variables; see README.md.`;

export async function main(argv: string[], out: (line: string) => void = console.log, err: (line: string) => void = console.error): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'serve':
        return await serveCommand(out);
      case 'kb':
        if (rest[0] === 'import' && rest[1]) return await kbImport(rest[1], out);
        err('Usage: aitl kb import PATH');
        return 2;
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        out(USAGE);
        return command === undefined ? 2 : 0;
      default:
        err(`Unknown command: ${command}\n\n${USAGE}`);
        return 2;
    }
  } catch (error) {
    if (error instanceof ConfigError || error instanceof ImportError) {
      err(error.message);
      return 1;
    }
    throw error;
  }
}

async function serveCommand(out: (line: string) => void): Promise<number> {
  const config = loadConfig();
  const server = await startServer(config);
  const extension = resolve('.output/chrome-mv3');
  out(`AITL backend   ${server.url}  (store: ${server.deps.store.dialect} ${server.deps.store.location}, ${server.deps.knowledge.index.passages.length} passages)`);
  out(`Demo help desk ${server.url}/demo/tickets/1001`);
  out(
    existsSync(extension)
      ? `Extension      load the folder ${extension} in chrome://extensions (Developer mode → Load unpacked)`
      : 'Extension      not built yet: run `npm run build:extension`, then load .output/chrome-mv3 in chrome://extensions',
  );
  const stop = async () => {
    await server.close();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return 0;
}

async function kbImport(path: string, out: (line: string) => void): Promise<number> {
  const config = loadConfig();
  const store = await openStore(config.databaseUrl);
  try {
    const summary = await importKnowledge(store.db, path);
    out(`Imported ${summary.articles} articles as ${summary.passages} passages (${summary.format}) into ${store.location}; import ${summary.importId}`);
    return 0;
  } finally {
    await store.close();
  }
}
