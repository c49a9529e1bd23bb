import { mkdtempSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Job } from 'bullmq';
import {
  definePlugin,
  identityMismatch,
  RecordStore,
  startCellRunner,
  type CellJob,
  type CellRecord,
  type CellResult,
  type CellRunner,
  type FerRunIdentity,
} from '../../../framework/index.js';
import { showProgress } from './progress.js';
import { checkRedis, connect, parseRedisUrl, redactedUrl } from './redis.js';

interface Options {
  redis: string;
  queue: string;
  attempts: number;
  lockSeconds: number;
  pollSeconds: number;
}

/** A queued cell: the cell as data, and who submitted it (a worker refuses another fer-run's or plugin set's). */
interface JobData {
  identity: FerRunIdentity;
  job: CellJob;
}

/** What a worker returns: how the cell ended, its record, and where it ran. */
interface JobResult {
  result: CellResult;
  record: CellRecord;
  worker: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One queue per backend: a worker takes only cells of the backend it runs (the cell hash includes it). */
const queueName = (base: string, backend: string) => `${base}.${backend}`;

/**
 * Cells on BullMQ workers over Redis. The submitter enqueues one job per cell, with the cell hash
 * as the job id (submitting again is a no-op), and imports each record as it comes back; workers
 * (`fer-run worker --redis URL`) on any machine train each cell in a child process and return its
 * record, so no shared filesystem is needed. A worker that dies stops renewing its lock: after
 * lockSeconds its cell is handed to another worker (resumed from its checkpoint when workers share
 * --checkpoints). A job that vanished from Redis (restarted without persistence) is resubmitted.
 */
export default definePlugin<'launcher', Options>({
  kind: 'launcher',
  name: 'bullmq',
  description: 'Runs the cells on BullMQ workers (`fer-run worker --redis URL` on any machine), through Redis.',
  optionsSchema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      redis: { type: 'string', default: 'redis://127.0.0.1:6379', description: 'Redis URL: redis://[user:password@]host:port[/db], or rediss:// for TLS.' },
      queue: { type: 'string', pattern: '^[A-Za-z0-9_-]+$', default: 'fer-run', description: 'Queue name (one queue per backend: <queue>.<backend>); workers must use the same.' },
      attempts: { type: 'integer', minimum: 1, default: 2, description: 'Tries per cell before it counts as failed (a cell that fails deterministically fails after these).' },
      lockSeconds: { type: 'number', exclusiveMinimum: 0, default: 30, description: "Workers: how long a cell stays claimed without its worker's heartbeat; a killed worker's cell goes to another after this." },
      pollSeconds: { type: 'number', exclusiveMinimum: 0, default: 0.5, description: 'Submitter: how often it looks at the queued cells.' },
    },
  },
  create(o) {
    // A malformed URL is an input error as soon as the launcher is named, before anything trains.
    parseRedisUrl(o.redis);
    return {
    title: `BullMQ workers via ${redactedUrl(o.redis)}`,

    async *launch(jobs, env) {
      if (jobs.length === 0) return;
      await checkRedis(o.redis);
      const backend = jobs[0].cell.config.backend;
      let redisDown = false;
      const { Queue } = await import('bullmq');
      const connection = await connect(o.redis, () => {
        if (!redisDown) env.log(`bullmq: lost Redis at ${redactedUrl(o.redis)}; reconnecting (the sweep goes on when it is back)`);
        redisDown = true;
      });
      connection.on('ready', () => {
        if (redisDown) env.log('bullmq: Redis is back');
        redisDown = false;
      });
      const queue = new Queue<JobData, JobResult>(queueName(o.queue, backend), { connection });
      const options = { attempts: o.attempts, backoff: { type: 'fixed', delay: 1000 }, removeOnComplete: { age: 7 * 86400 }, removeOnFail: { age: 7 * 86400 } };
      const earlier = new Set<string>();
      const submit = async (job: CellJob) => {
        const id = job.cell.hash;
        const existing = await queue.getJob(id);
        if (existing) {
          const state = await existing.getState();
          // Finished before (a submitter that stopped, or another one): a forced or a failed cell runs again; a done one is collected.
          if (state === 'failed' || (state === 'completed' && job.force)) {
            try {
              await existing.remove();
            } catch {
              return; // taken by a worker meanwhile: wait for it
            }
          } else {
            // Trained for an earlier submission: this one only collects the record.
            if (state === 'completed') earlier.add(id);
            return;
          }
        }
        await queue.add('cell', { identity: env.identity, job }, { ...options, jobId: id });
      };
      const pending = new Map(jobs.map((j) => [j.cell.hash, j]));
      const progress = showProgress(jobs.length, env.log);
      let failed = 0;
      let idleSince = Date.now();
      let hinted = false;
      try {
        for (const j of jobs) await submit(j);
        env.log(`bullmq: ${jobs.length} cell(s) queued on ${queueName(o.queue, backend)} at ${redactedUrl(o.redis)}; workers: fer-run worker --redis <url> --backend ${backend}${o.queue === 'fer-run' ? '' : ` --queue ${o.queue}`}`);
        while (pending.size > 0) {
          let active = 0;
          for (const [id, cellJob] of [...pending]) {
            // The state first, the job's fields after: read the other way round, a job that finished
            // in between showed its old fields under its new state ("undefined (after 0 attempts)").
            const state = await queue.getJobState(id);
            const job = state === 'completed' || state === 'failed' ? ((await queue.getJob(id)) as Job<JobData, JobResult> | undefined) : null;
            if (state === 'unknown' || job === undefined) {
              env.log(`bullmq: cell ${cellJob.label} is no longer in Redis (restarted without persistence?): queued again`);
              await submit(cellJob);
              continue;
            }
            if (job && state === 'completed') {
              const r = job.returnvalue;
              env.store.importRecord(r.record);
              const result: CellResult = earlier.has(id) ? { ...r.result, status: 'reused' } : r.result;
              env.log(`${cellJob.label}: ${earlier.has(id) ? `collected (trained earlier on ${r.worker})` : `${r.result.status} on ${r.worker}`} → ${env.store.cell(cellJob.experiment, id).dir}`);
              pending.delete(id);
              yield result;
            } else if (job && state === 'failed') {
              const error = `${job.failedReason} (after ${job.attemptsMade} attempt${job.attemptsMade === 1 ? '' : 's'} on BullMQ workers)`;
              const rd = env.store.cell(cellJob.experiment, id);
              rd.setStatus('failed', { error });
              rd.log(`failed on BullMQ workers: ${error}`);
              env.log(`${cellJob.label}: FAILED: ${error}`);
              failed++;
              pending.delete(id);
              yield { hash: id, status: 'failed', error };
            } else if (state === 'active') active++;
          }
          progress.update(jobs.length - pending.size, failed, active);
          if (active > 0 || pending.size === 0) idleSince = Date.now();
          else if (!hinted && Date.now() - idleSince > 30_000) {
            hinted = true;
            env.log(`bullmq: no worker has taken a cell for 30 s; start one on any machine: fer-run worker --redis ${redactedUrl(o.redis)} --backend ${backend}`);
          }
          if (pending.size > 0) await sleep(o.pollSeconds * 1000);
        }
      } finally {
        progress.stop();
        await queue.close();
        connection.disconnect();
      }
    },

    async serve(env) {
      await checkRedis(o.redis);
      const name = queueName(o.queue, env.runner.backend);
      const { UnrecoverableError, Worker } = await import('bullmq');
      const connection = await connect(o.redis, (e) => env.log(`Redis: ${e.message} (reconnecting)`));
      const runners = new Set<CellRunner>();
      const here = `${hostname()} (pid ${process.pid})`;
      const worker = new Worker<JobData, JobResult>(
        name,
        async (job) => {
          const mismatch = identityMismatch(env.identity, job.data.identity);
          if (mismatch) throw new UnrecoverableError(`the worker on ${here} refused the cell: ${mismatch}. Run the same fer-run version with the same plugins on the submitting machine and on every worker.`);
          const cellJob = job.data.job;
          // A cell handed out again after its worker died resumes from the shared checkpoint instead of starting over.
          const force = cellJob.force && job.attemptsStarted <= 1;
          const runsDir = env.checkpointsDir ?? mkdtempSync(join(tmpdir(), 'fer-run-cell-'));
          const runner = startCellRunner(env.runner, { runsDir, sharing: env.concurrency });
          runners.add(runner);
          env.log(`${cellJob.label}: training (cell ${job.id}, attempt ${job.attemptsStarted})`);
          try {
            const result = await runner.run({ ...cellJob, force });
            // Thrown, so that BullMQ tries again up to `attempts` and then records the reason.
            if (result.status === 'failed') throw new Error(result.error ?? 'the cell failed');
            env.log(`${cellJob.label}: ${result.status}`);
            return { result, record: new RecordStore(runsDir).exportRecord(cellJob.experiment, cellJob.cell.hash), worker: here };
          } finally {
            runners.delete(runner);
            await runner.close();
            if (!env.checkpointsDir) rmSync(runsDir, { recursive: true, force: true });
          }
        },
        { connection, concurrency: env.concurrency, lockDuration: o.lockSeconds * 1000, stalledInterval: o.lockSeconds * 1000, autorun: false },
      );
      worker.on('failed', (job, e) => env.log(`${job?.data.job.label ?? 'a cell'}: failed on this worker: ${e.message}`));
      worker.on('error', (e) => env.log(`BullMQ: ${e.message}`));
      env.log(`taking cells from ${name} at ${redactedUrl(o.redis)}, ${env.concurrency} at a time, backend ${env.runner.backend}${env.checkpointsDir ? `, checkpoints in ${env.checkpointsDir}` : ''}`);
      const stopped = new Promise<void>((resolve) => env.signal.addEventListener('abort', () => resolve(), { once: true }));
      void worker.run();
      await stopped;
      env.log('stopping: cells in progress are handed to other workers once their claim lapses');
      await Promise.all([...runners].map((r) => r.close()));
      await worker.close(true);
      connection.disconnect();
    },
    };
  },
});
