import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Command, Option } from 'commander';
import { selectBackend } from '../engine/backend.js';
import { BACKEND_CHOICES, BACKENDS, type BackendChoice } from '../engine/backends.js';
import { InputError, RunError } from '../errors.js';
import { buildReport } from '../report/build-report.js';
import { runExperiment } from '../runs/run-experiment.js';
import { writeJsonAtomic } from '../runs/atomic.js';
import { combinedSchema, COMBINED_SCHEMA_FILE } from '../schema/combined-schema.js';
import { describePlugins } from './describe-plugins.js';
import { runShards } from './parallel.js';
import { writePreview } from './preview.js';
import { loadExperiment, loadRegistry } from './session.js';

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

const dirs = (o: { runs?: string; reports?: string; cache?: string }) => ({
  runsDir: resolve(o.runs ?? 'runs'),
  reportsDir: resolve(o.reports ?? 'reports'),
  cacheDir: resolve(o.cache ?? process.env.FER_RUN_CACHE ?? join('.cache', 'fer-run')),
});

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
      .option('--jobs <n>', 'train cells in this many parallel processes (one per core is a good choice)', '1')
      .addOption(new Option('--shard <k/n>', 'internal: run only the cells i with i % n = k').hideHelp()),
  ).action(async (file: string, o: CommonOptions & { backend?: BackendChoice; force?: boolean; runs?: string; reports?: string; cache?: string; report: boolean; jobs: string; shard?: string }) => {
    const { resolved, registry } = await loadExperiment(file, { sets: o.set, pluginDirs: o.plugins });
    const backend = await selectBackend(o.backend ?? resolved.manifest.backend);
    if (backend.notice) process.stderr.write(`fer-run: ${backend.notice}\n`);
    process.stderr.write(`fer-run: backend ${backend.name} (${backend.package}${backend.dnnl ? `, oneDNN ${backend.dnnl}` : ''}, tfjs ${backend.tfjsVersion}${backend.threads ? `, ${backend.threads} thread${backend.threads > 1 ? 's' : ''}` : ''})\n`);
    const d = dirs(o);
    const started = Date.now();
    const jobs = Number(o.jobs);
    if (!Number.isInteger(jobs) || jobs < 1) throw new InputError(`--jobs ${o.jobs}: expected a whole number of processes, 1 or more.`);
    const shard = o.shard ? { index: Number(o.shard.split('/')[0]), count: Number(o.shard.split('/')[1]) } : undefined;
    if (jobs > 1) {
      const forwarded = ['run', file, ...(o.set ?? []).flatMap((x) => ['--set', x]), ...(o.plugins ?? []).flatMap((x) => ['--plugins', x]), '--backend', backend.name, '--runs', d.runsDir, '--reports', d.reportsDir, '--cache', d.cacheDir, ...(o.force ? ['--force'] : [])];
      await runShards(forwarded, jobs);
    }
    const outcomes = jobs > 1 ? await runExperiment({ resolved, registry, backend, ...d, projectDir: process.cwd(), progress: false }) : await runExperiment({ resolved, registry, backend, ...d, projectDir: process.cwd(), force: o.force, shard });
    if (o.report) {
      const r = await buildReport({ resolved, registry, ...d, backend: backend.name, log: (l) => process.stderr.write(`fer-run: ${l}\n`) });
      process.stdout.write(`${readFileSync(r.files[0], 'utf8').split('\n## Run metadata')[0].trim()}\n`);
    }
    const failed = outcomes.filter((x) => x.status === 'failed');
    const secs = ((Date.now() - started) / 1000).toFixed(0);
    process.stderr.write(
      jobs > 1
        ? `fer-run: ${outcomes.length} cell(s) in ${jobs} processes, ${failed.length} failed, in ${secs} s\n`
        : `fer-run: ${outcomes.length} cell(s): ${outcomes.filter((x) => x.status === 'done').length} trained, ${outcomes.filter((x) => x.status === 'reused').length} reused, ${failed.length} failed, in ${secs} s\n`,
    );
    if (failed.length) throw new RunError(`${failed.length} cell(s) failed: ${failed.map((f) => `${f.cell.row}/${f.cell.training}/seed ${f.cell.seed}: ${f.error}`).join('; ')}. See status.json and log.txt in their run directories.`);
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
    const r = await buildReport({ resolved, registry, ...dirs(o), backend: choice === 'auto' ? undefined : choice });
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
    const outDir = resolve(o.out ?? join('reports', resolved.manifest.name, 'preview'));
    const files = await writePreview(resolved, registry, outDir, Number(o.count), dirs(o).cacheDir);
    process.stdout.write(files.map((f) => `wrote ${f}`).join('\n') + '\n');
  });
}

