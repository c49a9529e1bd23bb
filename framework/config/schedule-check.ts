import { cosineRestartsLr } from '../engine/adam.js';
import type { ResolvedManifest } from './resolve-manifest.js';

/**
 * Trainings that stop part-way through a cosine period: their last weights come from a learning
 * rate well above the floor, not from the annealed end the schedule is for. The usual cause is
 * `--set trainings.X.epochs=N` without the matching `optimizer.schedule.period`. Legal (a run may
 * be cut short on purpose), so a warning, not an error; whole periods (warm restarts) pass.
 */
export function scheduleWarnings(resolved: ResolvedManifest): string[] {
  const found = new Map<string, { training: string; epochs: number; period: number; min: number; lrEnd: number; rows: string[] }>();
  const used = new Set(resolved.manifest.columns.map((c) => c.training));
  for (const { name, config } of resolved.rows) {
    const s = config.optimizer.schedule;
    if (s.type !== 'cosine-restarts') continue;
    for (const [training, spec] of Object.entries(config.trainings)) {
      if (!used.has(training) || spec.epochs % s.period === 0) continue;
      const key = `${training}|${spec.epochs}|${s.period}|${config.optimizer.lr}|${s.min}`;
      const lrEnd = cosineRestartsLr(spec.epochs, config.optimizer.lr, s.min, s.period);
      const f = found.get(key) ?? { training, epochs: spec.epochs, period: s.period, min: s.min, lrEnd, rows: [] };
      f.rows.push(name);
      found.set(key, f);
    }
  }
  const allRows = resolved.rows.length;
  return [...found.values()].map(
    (f) =>
      `${resolved.file}: training "${f.training}"${f.rows.length < allRows ? ` (rows ${f.rows.map((r) => `"${r}"`).join(', ')})` : ''} stops part-way through a cosine period: ` +
      `with optimizer.schedule.period ${f.period} the lr after ${f.epochs} epoch${f.epochs === 1 ? '' : 's'} is ${f.lrEnd.toExponential(1)}, not the floor (${f.min}), ` +
      `so the final weights are not annealed. For one period over the whole training, set optimizer.schedule.period to ${f.epochs} ` +
      `(e.g. --set optimizer.schedule.period=${f.epochs}), or the epochs to a multiple of ${f.period}.`,
  );
}
