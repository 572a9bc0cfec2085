/**
 * Starts the backend: its dependencies (backend/deps.ts: store, knowledge, model clients) → HTTP server, index refresh,
 * scheduled flywheel and export jobs.
 */
import { serve, type ServerType } from '@hono/node-server';
import { createApp } from './app.ts';
import { scheduleFlywheel } from './flywheel/schedule.ts';
import type { Config } from './config.ts';
import { type AppDeps, createDeps } from './deps.ts';
import { configuredExportJobs } from './exports/jobs.ts';

export interface RunningServer {
  url: string;
  deps: AppDeps;
  close(): Promise<void>;
}

export async function startServer(config: Config): Promise<RunningServer> {
  const deps = await createDeps(config);
  deps.exports = configuredExportJobs(deps);
  const app = createApp(deps);
  if (config.auth === 'optional') {
    deps.logger.warn(
      { host: config.host, tenant: config.defaultTenant },
      `AITL_AUTH is optional: calls without an API key act as an agent of tenant "${config.defaultTenant}" (except through a reverse proxy). Set AITL_AUTH=required before anyone else can reach ${config.host}.`,
    );
  }
  let server: ServerType;
  try {
    server = await new Promise((resolve, reject) => {
      const s = serve({ fetch: app.fetch, hostname: config.host, port: config.port }, () => resolve(s));
      s.once('error', reject);
    });
  } catch (error) {
    deps.exports?.stop();
    await deps.store.close();
    throw listenError(error as NodeJS.ErrnoException, config);
  }
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  // Another process (a backend beside this one, `aitl kb import`, `aitl flywheel run|rollback`) may change the
  // store; pick that up within AITL_INDEX_REFRESH_SECONDS (two small queries when nothing changed).
  let refreshing: Promise<void> | undefined;
  const refresh = setInterval(() => {
    refreshing ??= deps.knowledge
      .refreshIfStale()
      .catch((err) => deps.logger.warn({ err }, 'index refresh failed'))
      .finally(() => (refreshing = undefined));
  }, config.indexRefreshMs ?? 2_000);
  refresh.unref();
  const flywheel = config.flywheel.intervalMs ? scheduleFlywheel(deps, config.flywheel.intervalMs) : undefined;
  return {
    url: `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`,
    deps,
    async close() {
      clearInterval(refresh);
      // A rebuild runs in slices: let one under way finish before its store closes.
      await refreshing;
      deps.exports?.stop();
      await flywheel?.stop();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await deps.store.close();
    },
  };
}

/** Why the backend could not listen, in words that say what to do; other errors as they are. */
export class ListenError extends Error {
  override name = 'ListenError';
}

function listenError(error: NodeJS.ErrnoException, config: Config): Error {
  const where = `${config.host}:${config.port}`;
  if (error.code === 'EADDRINUSE')
    return new ListenError(
      `Port ${config.port} on ${config.host} is already in use (another aitl serve?): stop that process, or set AITL_PORT to a free port.`,
    );
  if (error.code === 'EACCES')
    return new ListenError(`Not allowed to listen on ${where}: ports below 1024 need privileges; set AITL_PORT to 1024 or above.`);
  if (error.code === 'EADDRNOTAVAIL')
    return new ListenError(
      `${config.host} is not an address of this machine: set AITL_HOST to one of its addresses (127.0.0.1 for this computer only).`,
    );
  return error;
}
