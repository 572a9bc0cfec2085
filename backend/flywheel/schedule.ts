/**
 * Unattended cycles inside `aitl serve` (AITL_FLYWHEEL_INTERVAL). A cycle never overlaps the previous one nor
 * another backend's on the same store (that one skips), a failed cycle is logged and the next one still runs, and
 * stopping waits for a running cycle to finish.
 */
import type { AppDeps } from '../deps.ts';
import { CycleBusyError, runFlywheelCycle } from './cycle.ts';

export interface FlywheelSchedule {
  stop(): Promise<void>;
}

export function scheduleFlywheel(deps: AppDeps, intervalMs: number): FlywheelSchedule {
  let running: Promise<void> | undefined;
  const tick = () => {
    if (running) return;
    running = runFlywheelCycle(deps, { regression: deps.config.flywheel.regression })
      .then((r) =>
        deps.logger.info(
          { runId: r.runId, status: r.status, ranking: r.ranking.decision, variants: r.variants.decision, ms: r.durationMs },
          `flywheel cycle: ${r.ranking.reason}`,
        ),
      )
      .catch((err: unknown) =>
        err instanceof CycleBusyError ? deps.logger.info(err.message) : deps.logger.error({ err }, 'flywheel cycle failed'),
      )
      .finally(() => {
        running = undefined;
      });
  };
  const timer = setInterval(tick, intervalMs);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
