import { definePlugin, startCellRunner, type CellJob, type CellResult, type CellRunner } from '../../../framework/index.js';

interface Options {
  jobs: number;
}

/**
 * `--jobs N`: N child processes on this machine, each a cell runner on the shared runs directory,
 * handed the next cell as soon as it finishes one (a long cell does not hold up a fixed share).
 */
export default definePlugin<'launcher', Options>({
  kind: 'launcher',
  name: 'processes',
  description: 'Runs the cells in N child processes on this machine (`--jobs N`), each taking the next cell when it finishes one.',
  optionsSchema: {
    type: 'object',
    additionalProperties: false,
    properties: { jobs: { type: 'integer', minimum: 1, default: 2, description: 'Child processes; their compute threads share the cores (OMP_NUM_THREADS = cores / jobs unless set).' } },
  },
  create: ({ jobs }) => ({
    title: `${jobs} process${jobs === 1 ? '' : 'es'}`,
    async *launch(cells, env) {
      const queue = [...cells];
      const runners: CellRunner[] = [];
      const running = new Map<number, Promise<{ slot: number; result: CellResult }>>();
      const start = (slot: number, job: CellJob) => {
        const p = runners[slot].run(job).then(
          (result) => ({ slot, result }),
          // The runner died (or could not start): this cell fails with the reason; the slot gets a new runner.
          (e: Error) => ({ slot, result: { hash: job.cell.hash, status: 'failed' as const, error: e.message, ...(e.name === 'InputError' ? { badInput: true } : {}) } }),
        );
        running.set(slot, p);
      };
      try {
        // As many runners as there are cells, up to `jobs` (the count is taken before the queue shrinks).
        const slots = Math.min(jobs, queue.length);
        for (let slot = 0; slot < slots; slot++) {
          runners[slot] = startCellRunner(env.runner, { runsDir: env.store.runsDir, sharing: jobs });
          start(slot, queue.shift()!);
        }
        while (running.size > 0) {
          const done = await Promise.race(running.values());
          running.delete(done.slot);
          yield done.result;
          const next = queue.shift();
          if (!next) continue;
          if (!runners[done.slot].alive) runners[done.slot] = startCellRunner(env.runner, { runsDir: env.store.runsDir, sharing: jobs });
          start(done.slot, next);
        }
      } finally {
        await Promise.all(runners.map((r) => r.close()));
      }
    },
  }),
});
