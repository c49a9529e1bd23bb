import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Command, Option } from 'commander';
import { describeBackend, selectBackend } from '../engine/backend.js';
import { BACKEND_CHOICES, BACKENDS, type BackendChoice } from '../engine/backends.js';
import { InputError, RunError } from '../errors.js';
import { buildReport } from '../report/build-report.js';
import { runExperiment } from '../runs/run-experiment.js';
import { writeJsonAtomic } from '../runs/atomic.js';
import { combinedSchema, COMBINED_SCHEMA_FILE } from '../schema/combined-schema.js';
import { describePlugins } from './describe-plugins.js';
import { writableDir } from './directory-option.js';
import { writePreview } from './preview.js';
import { buildLauncher, launcherRef, type LauncherFlags } from './launcher-option.js';
import { loadExperiment, loadRegistry } from './session.js';
import { bindRunServices, registryOf, runServices } from '../di/container.js';
import { ferRunIdentity } from '../runs/identity.js';

const collect = (v: string, prev: string[] = []) => [...prev, v];

interface CommonOptions {
  set?: string[];
  plugins?: string[];
}

function common(cmd: Command): Command {
  return cmd
    .option('--set <key=value>', 'override a manifest value, e.g. --set train.epochs=3 (repeatable; value parsed as JSON, else a string)', collect)
    .option('--plugins <dir>', 'also load plugins from this directory (repeatable)', collect);
}

type DirName = 'runs' | 'reports' | 'cache';

/** The command's directories, resolved; those it will write (`writes`) are checked up front (writableDir). */
const dirs = (o: { runs?: string; reports?: string; cache?: string }, writes: DirName[]) => {
  const d = {
    runsDir: resolve(o.runs ?? 'runs'),
    reportsDir: resolve(o.reports ?? 'reports'),
    cacheDir: resolve(o.cache ?? process.env.FER_RUN_CACHE ?? join('.cache', 'fer-run')),
  };
  const flags: Record<DirName, [string, string]> = {
    runs: ['--runs', d.runsDir],
    reports: ['--reports', d.reportsDir],
    cache: [o.cache === undefined && process.env.FER_RUN_CACHE ? 'FER_RUN_CACHE' : '--cache', d.cacheDir],
  };
  for (const w of writes) writableDir(...flags[w]);
  return d;
};

const backendOption = () =>
  new Option('--backend <name>', `compute backend (default: the manifest's, else auto: ${BACKENDS.join(' → ')})`).choices([...BACKEND_CHOICES]);

export function registerCommands(program: Command): void {
  common(
    program
      .command('run <manifest>', { isDefault: true })
      .description('train every cell of an experiment (reusing finished ones) and write its report')
      .addOption(backendOption())
      .option('--force', 'recompute finished cells instead of reusing them')
      .option('--runs <dir>', 'run records directory', 'runs')
      .option('--reports <dir>', 'reports directory', 'reports')
      .option('--cache <dir>', 'decoded-image cache directory (default .cache/fer-run or $FER_RUN_CACHE)')
      .option('--no-report', 'do not write the report after training')
      .option('--launcher <name>', "where the cells run: local, processes, bullmq (default: the manifest's launcher, else local)")
      .option('--jobs <n>', 'train cells in this many parallel processes (the processes launcher; one per core is a good choice)')
      .option('--redis <url>', 'the bullmq launcher: Redis at redis://[:password@]host:port[/db] or rediss:// (TLS); workers: `fer-run worker --redis URL`'),
  ).action(async (file: string, o: CommonOptions & LauncherFlags & { backend?: BackendChoice; force?: boolean; runs?: string; reports?: string; cache?: string; report: boolean }) => {
    const { resolved, container, pluginDirs } = await loadExperiment(file, { sets: o.set, pluginDirs: o.plugins });
    const registry = registryOf(container);
    const d = dirs(o, o.report ? ['runs', 'cache', 'reports'] : ['runs', 'cache']);
    const ref = launcherRef(resolved.manifest.launcher, o);
    const launcher = await buildLauncher(registry, ref, d.cacheDir);
    // Where the cells run is said unless it is this process (the default).
    const where = ref.type === 'local' ? '' : launcher.title;
    const backend = await selectBackend(o.backend ?? resolved.manifest.backend);
    if (backend.notice) process.stderr.write(`fer-run: ${backend.notice}\n`);
    process.stderr.write(`fer-run: backend ${describeBackend(backend)}${where && `; cells run on ${where}`}\n`);
    const started = Date.now();
    bindRunServices(container, { backend, launcher, ...d, projectDir: process.cwd(), pluginDirs: pluginDirs.map((p) => resolve(p)), log: (l) => process.stderr.write(`${l}\n`) });
    const outcomes = await runExperiment(resolved, runServices(container), { force: o.force });
    if (o.report) {
      const r = await buildReport({ resolved, registry, ...d, backend: backend.name, log: (l) => process.stderr.write(`fer-run: ${l}\n`) });
      process.stdout.write(`${readFileSync(r.files[0], 'utf8').split('\n## Run metadata')[0].trim()}\n`);
    }
    const failed = outcomes.filter((x) => x.status === 'failed');
    const secs = ((Date.now() - started) / 1000).toFixed(0);
    const count = (status: string) => outcomes.filter((x) => x.status === status).length;
    process.stderr.write(`fer-run: ${outcomes.length} cell(s): ${count('done')} trained, ${count('reused')} reused, ${failed.length} failed, in ${secs} s${where && ` (${where})`}\n`);
    if (failed.length) throw new RunError(`${failed.length} cell(s) failed: ${failed.map((f) => `${f.cell.row}/${f.cell.training}/seed ${f.cell.seed}: ${f.error}`).join('; ')}. See status.json and log.txt in their run directories.`);
  });

  common(
    program
      .command('worker')
      .description("take cells from a launcher's queue and train them, each in its own child process, until stopped (Ctrl-C or SIGTERM)")
      .addOption(backendOption())
      .option('--launcher <name>', 'the launcher whose cells to take', 'bullmq')
      .option('--redis <url>', 'Redis at redis://[:password@]host:port[/db] or rediss:// (TLS)')
      .option('--queue <name>', 'the queue name (as the submitter\'s launcher options)')
      .option('--concurrency <n>', 'cells trained at once on this machine', '1')
      .option('--checkpoints <dir>', 'a directory every worker shares: checkpoints go there, so a cell whose worker died resumes where it was')
      .option('--cache <dir>', 'decoded-image cache directory (default .cache/fer-run or $FER_RUN_CACHE)')
      .option('--lock-seconds <s>', 'how long a cell stays claimed without a heartbeat from its worker (a killed worker\'s cell is handed out again after this)'),
  ).action(async (o: CommonOptions & { backend?: BackendChoice; launcher: string; redis?: string; queue?: string; concurrency: string; checkpoints?: string; cache?: string; lockSeconds?: string }) => {
    const registry = await loadRegistry(o.plugins);
    const concurrency = Number(o.concurrency);
    if (!Number.isInteger(concurrency) || concurrency < 1) throw new InputError(`--concurrency ${o.concurrency}: expected a whole number of cells, 1 or more.`);
    const options: Record<string, unknown> = {};
    if (o.redis !== undefined) options.redis = o.redis;
    if (o.queue !== undefined) options.queue = o.queue;
    if (o.lockSeconds !== undefined) options.lockSeconds = Number(o.lockSeconds);
    const { cacheDir } = dirs(o, ['cache']);
    const launcher = await buildLauncher(registry, { type: o.launcher, options }, cacheDir);
    if (!launcher.serve) throw new InputError(`--launcher ${o.launcher}: this launcher has no workers (it runs cells itself); \`fer-run worker\` serves launchers such as bullmq.`);
    const backend = await selectBackend(o.backend ?? 'auto');
    if (backend.notice) process.stderr.write(`fer-run: ${backend.notice}\n`);
    const stop = new AbortController();
    const onSignal = () => stop.abort();
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    try {
      await launcher.serve({
        runner: { pluginDirs: (o.plugins ?? []).map((p) => resolve(p)), backend: backend.name, cacheDir, projectDir: process.cwd() },
        identity: ferRunIdentity(registry),
        concurrency,
        checkpointsDir: o.checkpoints ? resolve(o.checkpoints) : null,
        signal: stop.signal,
        log: (l) => process.stderr.write(`fer-run worker: ${l}\n`),
      });
    } finally {
      process.removeListener('SIGINT', onSignal);
      process.removeListener('SIGTERM', onSignal);
    }
  });

  common(program.command('validate <manifest>').description('check a manifest against the envelope and every plugin\'s options schema')).action(
    async (file: string, o: CommonOptions) => {
      const { resolved } = await loadExperiment(file, { sets: o.set, pluginDirs: o.plugins });
      const m = resolved.manifest;
      process.stdout.write(`${file}: valid — ${m.rows.length} rows × ${m.columns.length} columns × ${m.seeds.length} seeds\n`);
    },
  );

  common(program.command('print-config <manifest>').description('print the resolved manifest with every default written out')).action(
    async (file: string, o: CommonOptions) => {
      const { resolved } = await loadExperiment(file, { sets: o.set, pluginDirs: o.plugins });
      process.stdout.write(JSON.stringify(resolved.manifest, null, 2) + '\n');
    },
  );

  program
    .command('plugins')
    .description('list plugins by kind, with descriptions and option tables')
    .option('--plugins <dir>', 'also load plugins from this directory (repeatable)', collect)
    .option('--kind <kind>', 'only this kind')
    .action(async (o: { plugins?: string[]; kind?: string }) => {
      process.stdout.write(describePlugins(await loadRegistry(o.plugins), o.kind));
    });

  program
    .command('schema')
    .description("write schemas/manifest.combined.schema.json: the manifest schema with every plugin's options, for editors")
    .option('--out <file>', 'write here instead')
    .option('--check', 'exit 1 when the committed file is stale, without writing')
    .option('--plugins <dir>', 'also include plugins from this directory (repeatable)', collect)
    .action(async (o: { out?: string; check?: boolean; plugins?: string[] }) => {
      const out = resolve(o.out ?? COMBINED_SCHEMA_FILE);
      const text = JSON.stringify(combinedSchema(await loadRegistry(o.plugins)), null, 2) + '\n';
      if (o.check) {
        if (!existsSync(out) || readFileSync(out, 'utf8') !== text) throw new RunError(`${out} is stale: run \`fer-run schema\` and commit the result.`);
        process.stdout.write(`${out} is up to date\n`);
        return;
      }
      writeJsonAtomic(out, JSON.parse(text));
      process.stdout.write(`wrote ${out}\n`);
    });

  common(
    program
      .command('report <manifest>')
      .description('rebuild reports/<experiment>/ from finished runs, without training')
      .addOption(backendOption())
      .option('--runs <dir>', 'run records directory', 'runs')
      .option('--reports <dir>', 'reports directory', 'reports')
      .option('--cache <dir>', 'decoded-image cache directory'),
  ).action(async (file: string, o: CommonOptions & { backend?: BackendChoice; runs?: string; reports?: string; cache?: string }) => {
    const { resolved, registry } = await loadExperiment(file, { sets: o.set, pluginDirs: o.plugins });
    // The runs of the backend the manifest (or --backend) names; with auto, those of whichever backend has the most finished cells.
    const choice = o.backend ?? resolved.manifest.backend;
    await selectBackend(choice);
    const r = await buildReport({ resolved, registry, ...dirs(o, ['reports']), backend: choice === 'auto' ? undefined : choice });
    process.stdout.write(`wrote ${r.files.join(', ')}${r.missing ? ` (${r.missing} cell(s) not finished)` : ''}\n`);
  });

  common(
    program
      .command('preview <manifest>')
      .description('write PNG contact sheets of the training data (rows = classes) and of each occluder with its masks')
      .option('--out <dir>', 'output directory (default reports/<experiment>/preview)')
      .option('--count <n>', 'images per row', '10')
      .option('--cache <dir>', 'decoded-image cache directory'),
  ).action(async (file: string, o: CommonOptions & { out?: string; count: string; cache?: string }) => {
    const { resolved, registry } = await loadExperiment(file, { sets: o.set, pluginDirs: o.plugins });
    const outDir = writableDir('--out', resolve(o.out ?? join('reports', resolved.manifest.name, 'preview')));
    const files = await writePreview(resolved, registry, outDir, Number(o.count), dirs(o, ['cache']).cacheDir);
    process.stdout.write(files.map((f) => `wrote ${f}`).join('\n') + '\n');
  });
}

