import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readJsonIfExists, writeFileAtomic, writeJsonAtomic } from './atomic.js';
import type { TrainingCell } from './cells.js';
import { systemClock, type Clock } from './clock.js';

export type CellStatus = 'pending' | 'running' | 'done' | 'failed';

export interface StatusRecord {
  status: CellStatus;
  updated: string;
  error?: string;
  epochsDone?: number;
}

/**
 * One cell's record as data, to travel between machines (a queue job's result): its files by name,
 * as text. The checkpoint stays behind (it is large, and only a resumed training or an evaluation
 * added later needs it).
 */
export interface CellRecord {
  format: typeof RECORD_FORMAT;
  experiment: string;
  hash: string;
  files: Record<string, string>;
}

const RECORD_FORMAT = 1;
/** The record's text files, and its evaluations: the only names a record may carry. */
const RECORD_FILES = ['config.json', 'env.json', 'status.json', 'metrics.jsonl', 'metrics.json', 'log.txt'];
const EVAL_FILE = /^evals\/[0-9a-f]{8,64}\.json$/;
const CELL_HASH = /^[0-9a-f]{8,64}$/;
const EXPERIMENT_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** The files of one cell's run directory (Sacred/Hydra-style record). Only the record store makes one. */
export class RunDir {
  constructor(
    readonly dir: string,
    private readonly clock: Clock = systemClock,
  ) {}

  get config() {
    return join(this.dir, 'config.json');
  }
  get env() {
    return join(this.dir, 'env.json');
  }
  get statusFile() {
    return join(this.dir, 'status.json');
  }
  get metricsLog() {
    return join(this.dir, 'metrics.jsonl');
  }
  get metrics() {
    return join(this.dir, 'metrics.json');
  }
  get checkpoint() {
    return join(this.dir, 'checkpoint', 'last.ckpt');
  }
  get logFile() {
    return join(this.dir, 'log.txt');
  }
  evalFile(hash: string) {
    return join(this.dir, 'evals', `${hash}.json`);
  }

  status(): StatusRecord | null {
    return readJsonIfExists<StatusRecord>(this.statusFile);
  }

  setStatus(status: CellStatus, extra: Partial<StatusRecord> = {}): void {
    writeJsonAtomic(this.statusFile, { status, updated: this.clock.now().toISOString(), ...extra });
  }

  log(line: string): void {
    mkdirSync(this.dir, { recursive: true });
    appendFileSync(this.logFile, `${this.clock.now().toISOString()} ${line}\n`);
  }
}

/** What a cell still needs, from its record: nothing, its missing evaluations (of saved weights), or a training. */
export type CellNeed = { kind: 'nothing' } | { kind: 'evaluations'; hashes: string[] } | { kind: 'training' };

/**
 * The run records of one runs directory: the one place that knows the layout
 * (runs/<experiment>/<cell hash>/ with config.json, env.json, status.json, metrics.jsonl,
 * metrics.json, log.txt, evals/<eval hash>.json and checkpoint/last.ckpt). Every file it writes is
 * written atomically, so a crash or a cell delivered twice leaves a whole record.
 */
export class RecordStore {
  constructor(
    readonly runsDir: string,
    readonly clock: Clock = systemClock,
  ) {}

  cell(experiment: string, hash: string): RunDir {
    return new RunDir(join(this.runsDir, experiment, hash), this.clock);
  }

  /** A cell is complete when it trained to the end and has every evaluation; the checkpoint is needed only to add evaluations. */
  need(experiment: string, cell: TrainingCell, force = false): CellNeed {
    if (force) return { kind: 'training' };
    const rd = this.cell(experiment, cell.hash);
    if (rd.status()?.status !== 'done') return { kind: 'training' };
    const hashes = cell.evaluations.filter((e) => !existsSync(rd.evalFile(e.hash))).map((e) => e.hash);
    if (hashes.length === 0) return { kind: 'nothing' };
    return existsSync(rd.checkpoint) ? { kind: 'evaluations', hashes } : { kind: 'training' };
  }

  /** The cell's record as data (every file but the checkpoint). */
  exportRecord(experiment: string, hash: string): CellRecord {
    const rd = this.cell(experiment, hash);
    const files: Record<string, string> = {};
    for (const name of RECORD_FILES) if (existsSync(join(rd.dir, name))) files[name] = readFileSync(join(rd.dir, name), 'utf8');
    const evals = join(rd.dir, 'evals');
    if (existsSync(evals)) for (const f of readdirSync(evals).filter((f) => f.endsWith('.json')).sort()) files[`evals/${f}`] = readFileSync(join(evals, f), 'utf8');
    return { format: RECORD_FORMAT, experiment, hash, files };
  }

  /**
   * Writes a record that came from elsewhere into this store, each file atomically (the status
   * last, so a crash part-way leaves a cell that is not yet done). The names are checked against
   * the layout: a record can never write outside its cell's directory.
   */
  importRecord(record: CellRecord): RunDir {
    if (record.format !== RECORD_FORMAT) throw new Error(`a run record of format ${record.format}; this fer-run reads format ${RECORD_FORMAT}`);
    if (!EXPERIMENT_NAME.test(record.experiment) || !CELL_HASH.test(record.hash)) throw new Error(`a run record names experiment "${record.experiment}", cell "${record.hash}": not a run directory`);
    const rd = this.cell(record.experiment, record.hash);
    const names = Object.keys(record.files);
    for (const name of names) {
      if (!RECORD_FILES.includes(name) && !EVAL_FILE.test(name)) throw new Error(`a run record carries "${name}", which is not a file of a run directory`);
    }
    for (const name of [...names.filter((n) => n !== 'status.json'), ...names.filter((n) => n === 'status.json')]) {
      writeFileAtomic(join(rd.dir, name), record.files[name]);
    }
    return rd;
  }
}
