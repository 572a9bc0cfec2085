/**
 * Unattended cycles inside `aitl serve` (AITL_FLYWHEEL_INTERVAL): each tick runs one cycle per tenant with signals,
 * one after another. A cycle never overlaps the previous one nor another backend's for the same tenant (that one
 * skips), a failed cycle is logged and the next still runs, and stopping waits for a running cycle to finish.
 */
import type { AppDeps } from '../deps.ts';
import { tenantsWithAnnotations } from '../store/annotations.ts';
import { CycleBusyError, runFlywheelCycle } from './cycle.ts';

export interface FlywheelSchedule {
  stop(): Promise<void>;
}

export function scheduleFlywheel(deps: AppDeps, intervalMs: number): FlywheelSchedule {
  let running: Promise<void> | undefined;
  let stopped = false;
  const cycle = (tenant: string) =>
    runFlywheelCycle(deps, { tenant, regression: deps.config.flywheel.regression })
      .then((r) =>
        deps.logger.info(
          { tenant, runId: r.runId, status: r.status, ranking: r.ranking.decision, variants: r.variants.decision, ms: r.durationMs },
          `flywheel cycle: ${r.ranking.reason}`,
        ),
      )
      .catch((err: unknown) =>
        err instanceof CycleBusyError ? deps.logger.info(err.message) : deps.logger.error({ err, tenant }, 'flywheel cycle failed'),
      );
  const tick = () => {
    if (running) return;
    running = (async () => {
      for (const tenant of await tenantsWithAnnotations(deps.store.db)) {
        if (stopped) return;
        await cycle(tenant);
      }
    })()
      .catch((err: unknown) => deps.logger.error({ err }, 'flywheel cycles could not start'))
      .finally(() => {
        running = undefined;
      });
  };
  const timer = setInterval(tick, intervalMs);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      stopped = true;
      await running;
    },
  };
}
