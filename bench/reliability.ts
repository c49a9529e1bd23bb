/**
 * Reliability of the main command: runs `fer-run <manifest> --backend B --force` N times into a
 * temporary runs/reports directory and counts what went wrong: failed cells, SIMD worker faults
 * the calling thread recomputed (env.json's simdWorkerFaults), and tables that differ between
 * runs (the same manifest, seed and backend must give identical numbers). Not part of npm test.
 *
 *   npx tsx bench/reliability.ts [--runs 5] [--backend wasm|auto|…] [--manifest experiments/synthetic/table3.json] [--dist]
 *
 * --dist runs the compiled CLI (dist/, what `npx fer-run` runs; `npm run build` first) instead of
 * the TypeScript sources under tsx. --fresh-cache gives every run an empty decoded-image cache,
 * so it draws its faces again, as a first run on a new clone does. With FER_RUN_NO_NATIVE=1,
 * --backend auto, --dist and --fresh-cache it is a new user's first run without oneDNN.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { PROJECT_ROOT } from '../framework/paths.js';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '5' },
    backend: { type: 'string', default: 'wasm' },
    manifest: { type: 'string', default: 'experiments/synthetic/table3.json' },
    keep: { type: 'boolean', default: false },
    dist: { type: 'boolean', default: false },
    'fresh-cache': { type: 'boolean', default: false },
  },
});
const runs = Number(values.runs);
const work = mkdtempSync(join(tmpdir(), 'fer-run-reliability-'));
const cli = values.dist ? [join(PROJECT_ROOT, 'dist/framework/cli/main.js')] : ['--import', 'tsx', join(PROJECT_ROOT, 'framework/cli/main.ts')];

/** Every env.json below dir with the SIMD worker faults it recorded. */
function faultsUnder(dir: string): { cell: string; kernel: string; thread: number; message: string }[] {
  if (!existsSync(dir)) return [];
  const found: { cell: string; kernel: string; thread: number; message: string }[] = [];
  for (const entry of readdirSync(dir, { recursive: true, encoding: 'utf8' })) {
    if (!entry.endsWith('env.json')) continue;
    const env = JSON.parse(readFileSync(join(dir, entry), 'utf8')) as { simdWorkerFaults?: { kernel: string; thread: number; message: string }[] };
    for (const f of env.simdWorkerFaults ?? []) found.push({ cell: entry, ...f });
  }
  return found;
}

const tables: string[] = [];
let failedCells = 0;
let faults = 0;
let cells = 0;
for (let i = 1; i <= runs; i++) {
  const runsDir = join(work, 'runs');
  const reportsDir = join(work, `reports-${i}`);
  const started = Date.now();
  const cache = values['fresh-cache'] ? ['--cache', join(work, `cache-${i}`)] : [];
  const r = spawnSync(process.execPath, [...cli, values.manifest!, '--backend', values.backend!, '--force', '--runs', runsDir, '--reports', reportsDir, ...cache], {
    cwd: PROJECT_ROOT,
    encoding: 'utf8',
  });
  const summary = /(\d+) cell\(s\): (\d+) trained, (\d+) reused, (\d+) failed/.exec(r.stderr);
  const failed = summary ? Number(summary[4]) : NaN;
  cells += summary ? Number(summary[1]) : 0;
  failedCells += Number.isNaN(failed) ? 0 : failed;
  const runFaults = faultsUnder(runsDir);
  faults += runFaults.length;
  const name = JSON.parse(readFileSync(join(PROJECT_ROOT, values.manifest!), 'utf8')).name as string;
  const csv = join(reportsDir, name, 'table.csv');
  tables.push(existsSync(csv) ? readFileSync(csv, 'utf8') : '');
  const line = summary ? summary[0] : `no summary (exit ${r.status}): ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`;
  process.stdout.write(`run ${i}/${runs}: exit ${r.status}, ${line}, ${runFaults.length} SIMD worker fault(s), ${((Date.now() - started) / 1000).toFixed(0)} s\n`);
  for (const f of runFaults) process.stdout.write(`  fault: ${f.kernel} on worker ${f.thread}: ${f.message} (${f.cell})\n`);
  if (r.status !== 0 && !summary) process.stdout.write(r.stderr.split('\n').slice(-20).join('\n') + '\n');
}
const identical = tables.every((t) => t !== '' && t === tables[0]);
process.stdout.write(`${runs} runs, ${cells} cells: ${failedCells} failed, ${faults} SIMD worker fault(s) recomputed, tables ${identical ? 'identical' : 'DIFFER (or missing)'}\n`);
if (!values.keep) rmSync(work, { recursive: true, force: true });
process.exitCode = failedCells === 0 && identical ? 0 : 1;
