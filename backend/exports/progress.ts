/**
 * Progress of a long export on stderr: a bar redrawn in place when stderr is a terminal, else a plain line every
 * few seconds (logs and CI keep readable output), and a last line when done.
 */
export interface ProgressStream {
  isTTY?: boolean;
  write(text: string): unknown;
}

export interface Progress {
  update(done: number, total: number): void;
  finish(done: number): void;
}

const WIDTH = 30;
const number = (n: number) => n.toLocaleString('en-US');

export function progressReporter(stream: ProgressStream, options: { now?: () => number; everyMs?: number } = {}): Progress {
  const now = options.now ?? (() => performance.now());
  const tty = stream.isTTY === true;
  const everyMs = options.everyMs ?? (tty ? 100 : 5_000);
  const started = now();
  let last = -Infinity;

  const rate = (done: number) => Math.round(done / Math.max(0.001, (now() - started) / 1000));
  const describe = (done: number, total: number) => {
    const share = total > 0 ? Math.min(1, done / total) : 1;
    const perSecond = rate(done);
    const eta = perSecond > 0 && total > done ? ` ETA ${Math.ceil((total - done) / perSecond)} s` : '';
    return { share, text: `${number(done)}/${number(total)} signals ${Math.round(share * 100)}%  ${number(perSecond)}/s${eta}` };
  };

  return {
    update(done, total) {
      const t = now();
      if (t - last < everyMs) return;
      last = t;
      const { share, text } = describe(done, total);
      if (tty) {
        const filled = Math.round(share * WIDTH);
        stream.write(`\r[${'#'.repeat(filled)}${'.'.repeat(WIDTH - filled)}] ${text}\u001b[K`);
      } else stream.write(`export: ${text}\n`);
    },
    finish(done) {
      const seconds = ((now() - started) / 1000).toFixed(1);
      stream.write(`${tty ? '\r\u001b[K' : ''}export: ${number(done)} signals read in ${seconds} s (${number(rate(done))}/s)\n`);
    },
  };
}
