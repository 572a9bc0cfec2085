/**
 * Long jobs inside the server (a knowledge import, rebuilding the index) run in slices, so requests are served in
 * between: a 27 MB import held the event loop for 4 s in one piece, and /v1/health waited for it.
 */

/** Lets the event loop serve what is waiting (I/O callbacks included) before the job goes on. */
export function yieldToLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Calls `work` on each item in order, yielding to the event loop whenever a slice has run `sliceMs`. */
export async function inSlices<T>(items: Iterable<T>, work: (item: T, index: number) => void, sliceMs = 20): Promise<void> {
  let sliceStarted = performance.now();
  let index = 0;
  for (const item of items) {
    work(item, index++);
    if (performance.now() - sliceStarted >= sliceMs) {
      await yieldToLoop();
      sliceStarted = performance.now();
    }
  }
}
