/** `aitl serve`: the backend on AITL_HOST:AITL_PORT until stopped (SIGINT, SIGTERM). */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { loadConfig } from '../config.ts';
import { ListenError, startServer } from '../server.ts';
import { type Command, type Out, usageFailure } from './kit.ts';

const SERVE_USAGE = `Usage: aitl serve

Starts the backend on AITL_HOST:AITL_PORT with the store AITL_DATABASE_URL (every AITL_* variable: README.md).
It loads the demo help centre when the knowledge base is empty (AITL_DEMO=false: never) and runs until stopped.`;

export const serve: Command = {
  usage: SERVE_USAGE,
  async run(args, out, err) {
    if (args.length > 0) return usageFailure(err, SERVE_USAGE, `Unexpected argument: ${args[0]}`);
    try {
      return await serveCommand(out);
    } catch (error) {
      if (error instanceof ListenError) {
        err(error.message);
        return 1;
      }
      throw error;
    }
  },
};

async function serveCommand(out: Out): Promise<number> {
  const config = loadConfig();
  const server = await startServer(config);
  const extension = resolve('.output/chrome-mv3');
  const served = await server.deps.knowledge.of(server.deps.config.defaultTenant);
  out(
    `AITL backend   ${server.url}  (store: ${server.deps.store.dialect} ${server.deps.store.location}, ${served.passages.length} passages for tenant ${server.deps.config.defaultTenant})`,
  );
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
