/**
 * Long jobs inside the server (a knowledge import, rebuilding the index) run in slices, so requests are served in
 * between: a 27 MB import held the event loop for 4 s in one piece, and /v1/health waited for it.
 */

/** Lets the event loop serve what is waiting (I/O callbacks included) before the job goes on. */
export function yieldToLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * Runs `steps` to its end, yielding to the event loop whenever a slice has run `sliceMs`; `steps` marks with `yield`
 * the points where a slice may end. Returns what it returns.
 */
export async function runInSlices<T>(steps: Generator<void, T>, sliceMs = 20): Promise<T> {
  let sliceStarted = performance.now();
  for (let step = steps.next(); ; step = steps.next()) {
    if (step.done) return step.value;
    if (performance.now() - sliceStarted >= sliceMs) {
      await yieldToLoop();
      sliceStarted = performance.now();
    }
  }
}

/** Calls `work` on each item in order, in slices (runInSlices). */
export async function inSlices<T>(items: Iterable<T>, work: (item: T, index: number) => void, sliceMs = 20): Promise<void> {
  await runInSlices(
    (function* () {
      let index = 0;
      for (const item of items) {
        work(item, index++);
        yield;
      }
    })(),
    sliceMs,
  );
}
