/**
 * fer-run against PyTorch on the same CPU, side by side: for each architecture (resnet-mini at
 * 64 px, the paper's ResNet-18 and ResNet-50 at 112 px; batch 32, Adam, weight decay 1e-4),
 * one long-lived process per contender (fer-run's M_Res and M_ResAttAdv on native and on wasm,
 * PyTorch's M_Res in NCHW and in channels_last, each on 2 threads: one model per process, so
 * every peak RSS is one training's), warmed up one after the other, then measured in
 * alternating rounds while the others wait: this VM's speed drifts by up to 30% within minutes,
 * so only figures from the same minutes compare. Rates are medians over the rounds; ratios are
 * fer-run's M_Res against PyTorch's faster layout. PyTorch is Debian's python3-torch under
 * /usr/bin/python3; without it the fer-run rows are still measured and the ratios are absent.
 *
 *   npx tsx bench/versus-pytorch.ts [--rounds 4] [--only resnet18]
 */
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface, type Interface } from 'node:readline';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ADDON_PACKAGE, CPU_ISA_ENV, NATIVE_GC_FLAG } from '../framework/engine/native/addon.js';
import { PROJECT_ROOT } from '../framework/paths.js';

const PYTHON = '/usr/bin/python3';

export interface VersusRow {
  arch: string;
  size: number;
  contender: string;
  /** Median images/s per variant (PyTorch: M_Res only). */
  imagesPerSecond: Record<string, number>;
  rounds: Record<string, number[]>;
  /** Peak RSS of the process that trained each variant (PyTorch: M_Res). */
  peakRssMiB: Record<string, number>;
  /** Live tensors after the warm-up and at the end, per variant (flat: no leak). */
  tensors?: Record<string, [number, number]>;
  note?: string;
}

export interface VersusResult {
  pytorch: string | null;
  rows: VersusRow[];
  /** fer-run M_Res ÷ PyTorch's faster layout, per architecture and backend; and the M_ResAttAdv / M_Res step cost. */
  ratios: { arch: string; backend: string; vsPytorch: number | null; attAdvStepCost: number }[];
  /** fer-run's M_Res peak RSS ÷ PyTorch's smaller one, per architecture and backend. */
  rssRatios: { arch: string; backend: string; vsPytorch: number }[];
}

const VARIANTS = ['M_Res', 'M_ResAttAdv'];

/**
 * Steps per round, and warm-up steps before the first round (both contenders alike): resnet-mini's
 * steps take ~60 ms, so its rounds are long enough to average out the VM's jitter, and its warm-up
 * long enough for V8 to have optimised the step (with 2 warm-up steps fer-run's first rounds ran
 * 20–30% below its later ones).
 */
const CONFIGS = [
  { arch: 'resnet-mini', size: 64, backends: ['native', 'wasm'], steps: 16, pySteps: 16, warmup: 32 },
  { arch: 'resnet18', size: 112, backends: ['native', 'wasm'], steps: 2, pySteps: 4, warmup: 2 },
  { arch: 'resnet50', size: 112, backends: ['native'], steps: 1, pySteps: 2, warmup: 2 },
];

/** A child answering one JSON line per command line. */
class Contender {
  private readonly lines: Interface;
  private readonly queue: string[] = [];
  private waiting: ((l: string | null) => void) | null = null;
  private stderr = '';

  constructor(
    readonly name: string,
    private readonly child: ChildProcessWithoutNullStreams,
    readonly variant: string,
  ) {
    this.lines = createInterface({ input: child.stdout });
    this.lines.on('line', (l) => (this.waiting ? (this.waiting(l), (this.waiting = null)) : this.queue.push(l)));
    child.stderr.on('data', (d) => (this.stderr = (this.stderr + String(d)).slice(-2000)));
    child.on('exit', () => this.waiting?.(null));
  }

  private async next(): Promise<Record<string, any>> {
    const l = this.queue.shift() ?? (await new Promise<string | null>((r) => (this.waiting = r)));
    if (l === null) throw new Error(`${this.name} exited: ${this.stderr.trim().split('\n').slice(-3).join(' | ')}`);
    return JSON.parse(l);
  }

  ready = () => this.next();

  async ask(cmd: 'warmup' | 'round' | 'end'): Promise<Record<string, any>> {
    this.child.stdin.write(`${cmd}\n`);
    return this.next();
  }
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

export function pytorchVersion(): string | null {
  const r = spawnSync(PYTHON, ['-c', 'import torch, torchvision; print(torch.__version__)'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

/** The instruction set the native backend's oneDNN runs with here (null without the addon). */
function nativeIsa(): string | null {
  const code = `try { console.log(require(${JSON.stringify(ADDON_PACKAGE)}).cpuIsa()); } catch { console.log(''); }`;
  return spawnSync(process.execPath, ['-e', code], { cwd: PROJECT_ROOT, encoding: 'utf8' }).stdout.trim() || null;
}

/**
 * fer-run's contenders: each backend as a run uses it, and on a CPU wider than AVX2 the native
 * backend once more capped at AVX2 (ONEDNN_MAX_CPU_ISA=AVX2), which trains to the numbers AVX2
 * machines get: what that reproducibility costs.
 */
function ferContenders(backends: string[]): { label: string; backend: string; env: Record<string, string> }[] {
  const isa = backends.includes('native') ? nativeIsa() : null;
  const out = backends.map((b) => ({ label: b === 'native' && isa ? `native (${isa})` : b, backend: b, env: {} as Record<string, string> }));
  if (isa && isa !== 'avx2' && !isa.startsWith('avx2_')) out.splice(1, 0, { label: 'native (avx2)', backend: 'native', env: { [CPU_ISA_ENV]: 'AVX2' } });
  return out;
}

export async function versusPytorch(o: { rounds: number; only?: string; log?: (l: string) => void }): Promise<VersusResult> {
  const log = o.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  const torch = pytorchVersion();
  if (!torch) log(`PyTorch: not available (${PYTHON} cannot import torch and torchvision; Debian: apt-get install python3-torch python3-torchvision); fer-run rows only`);
  const rows: VersusRow[] = [];
  const ratios: VersusResult['ratios'] = [];
  const rssRatios: VersusResult['rssRatios'] = [];
  for (const c of CONFIGS.filter((x) => !o.only || x.arch === o.only)) {
    const contenders: Contender[] = [];
    const env = { ...process.env, OMP_NUM_THREADS: '2' };
    const fers = ferContenders(c.backends);
    for (const f of fers) {
      const flags = f.backend === 'native' ? [NATIVE_GC_FLAG] : [];
      for (const variant of VARIANTS) {
        const child = spawn(process.execPath, [...flags, '--import', 'tsx', join(PROJECT_ROOT, 'bench/train-rounds.ts'), c.arch, String(c.size), f.backend, String(c.steps), variant, String(c.warmup)], { cwd: PROJECT_ROOT, env: { ...env, ...f.env } });
        contenders.push(new Contender(`fer-run ${f.label}`, child, variant));
      }
    }
    if (torch) {
      for (const layout of ['nchw', 'channels_last']) {
        const args = [join(PROJECT_ROOT, 'bench/pytorch_reference.py'), '--serve', '--arch', c.arch, '--size', String(c.size), '--layout', layout, '--steps', String(c.pySteps), '--warmup', String(c.warmup)];
        contenders.push(new Contender(`pytorch ${layout}`, spawn(PYTHON, args, { env }), 'M_Res'));
      }
    }
    // One row per contender, gathering its variants' processes.
    const row = (name: string): VersusRow => {
      let x = rows.find((q) => q.arch === c.arch && q.contender === name);
      if (!x) rows.push((x = { arch: c.arch, size: c.size, contender: name, imagesPerSecond: {}, rounds: {}, peakRssMiB: {} }));
      return x;
    };
    const live: Contender[] = [];
    for (const k of contenders) {
      try {
        await k.ready();
        await k.ask('warmup'); // one at a time: the others wait on their stdin
        live.push(k);
      } catch (e) {
        row(k.name).note = `${k.variant}: ${(e as Error).message}`;
      }
    }
    for (let r = 0; r < o.rounds; r++) {
      for (const k of live) {
        const got = (await k.ask('round')).imagesPerSecond as number | Record<string, number>;
        (row(k.name).rounds[k.variant] ??= []).push(typeof got === 'number' ? got : got[k.variant]);
      }
      log(`${c.arch}@${c.size} round ${r + 1}/${o.rounds}: ${live.map((k) => `${k.name} ${k.variant} ${row(k.name).rounds[k.variant][r].toFixed(1)}`).join('; ')}`);
    }
    for (const k of live) {
      const end = await k.ask('end');
      const x = row(k.name);
      x.imagesPerSecond[k.variant] = median(x.rounds[k.variant]);
      x.peakRssMiB[k.variant] = end.peakRssMiB;
      if (end.tensors) (x.tensors ??= {})[k.variant] = end.tensors;
    }
    const of = (name: string) => rows.find((x) => x.arch === c.arch && x.contender === name);
    const best = Math.max(of('pytorch nchw')?.imagesPerSecond.M_Res ?? 0, of('pytorch channels_last')?.imagesPerSecond.M_Res ?? 0) || null;
    const leanest = Math.min(...['pytorch nchw', 'pytorch channels_last'].map((n) => of(n)?.peakRssMiB.M_Res ?? Infinity));
    for (const { label: backend } of fers) {
      const f = of(`fer-run ${backend}`);
      if (f?.imagesPerSecond.M_Res) ratios.push({ arch: `${c.arch}@${c.size}`, backend, vsPytorch: best ? f.imagesPerSecond.M_Res / best : null, attAdvStepCost: f.imagesPerSecond.M_Res / f.imagesPerSecond.M_ResAttAdv });
      if (f?.peakRssMiB.M_Res && Number.isFinite(leanest)) rssRatios.push({ arch: `${c.arch}@${c.size}`, backend, vsPytorch: f.peakRssMiB.M_Res / leanest });
    }
  }
  return { pytorch: torch, rows, ratios, rssRatios };
}

export function printVersus(v: VersusResult): void {
  const f = (x: number | undefined) => (x == null ? '—' : x >= 100 ? x.toFixed(0) : x.toFixed(1));
  console.log(`\nfer-run vs PyTorch ${v.pytorch ?? '(not available)'}: training images/s, batch 32, 2 threads, medians of alternating rounds`);
  console.log('model            contender                          M_Res  M_ResAttAdv  peak RSS MiB (M_Res / M_ResAttAdv)');
  for (const r of v.rows) {
    const rss = VARIANTS.filter((x) => r.peakRssMiB[x] != null).map((x) => r.peakRssMiB[x]).join(' / ') || '—';
    console.log(`${`${r.arch}@${r.size}`.padEnd(16)} ${r.contender.padEnd(33)} ${f(r.imagesPerSecond.M_Res).padStart(6)}  ${f(r.imagesPerSecond.M_ResAttAdv).padStart(11)}  ${rss.padStart(12)}${r.note ? `  ${r.note}` : ''}`);
  }
  for (const q of v.rssRatios) console.log(`${q.arch} ${q.backend}: peak RSS ${q.vsPytorch.toFixed(2)}× PyTorch's (M_Res, against its smaller layout)`);
  for (const q of v.ratios) {
    console.log(`${q.arch} ${q.backend}: ${q.vsPytorch == null ? 'no PyTorch ratio' : `${q.vsPytorch.toFixed(2)}× PyTorch's faster layout`}; M_ResAttAdv step ${q.attAdvStepCost.toFixed(2)}× M_Res`);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({ options: { rounds: { type: 'string', default: '4' }, only: { type: 'string' } } });
  printVersus(await versusPytorch({ rounds: Number(values.rounds), only: values.only }));
}
