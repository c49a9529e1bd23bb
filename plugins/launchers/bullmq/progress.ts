import cliProgress from 'cli-progress';

export interface SweepProgress {
  update(finished: number, failed: number, running: number): void;
  stop(): void;
}

/** Cells finished (and failed, and running) of a sweep: a live bar on a terminal, a line per change otherwise (logs, CI). */
export function showProgress(total: number, log: (line: string) => void, stream: NodeJS.WriteStream = process.stderr): SweepProgress {
  let last = '';
  const bar = stream.isTTY
    ? new cliProgress.SingleBar({ format: 'cells |{bar}| {value}/{total} finished, {failed} failed, {running} running | {duration_formatted}', stream, hideCursor: true }, cliProgress.Presets.shades_classic)
    : null;
  bar?.start(total, 0, { failed: 0, running: 0 });
  return {
    update(finished, failed, running) {
      if (bar) return bar.update(finished, { failed, running });
      const line = `bullmq: ${finished}/${total} cells finished, ${failed} failed, ${running} running`;
      if (line !== last) log(line);
      last = line;
    },
    stop: () => bar?.stop(),
  };
}
