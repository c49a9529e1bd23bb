import type { CollectedResults } from './collect.js';
import { signedPoints } from './markdown.js';
import { mean } from './stats.js';

/** A duration in the unit a reader wants: seconds, minutes or hours. */
const duration = (s: number) => (s < 120 ? `${s.toFixed(0)} s` : s < 7200 ? `${(s / 60).toFixed(1)} min` : `${(s / 3600).toFixed(2)} h`);

/** Training time summed over the cells (what the cells cost, whatever ran them in parallel). */
export function trainingTime(results: CollectedResults): string {
  return duration(results.cells.reduce((a, c) => a + c.history.reduce((s, h) => s + h.seconds, 0), 0));
}

/**
 * The finished cells' wall time from their records: the earliest start (env.json's `recorded`,
 * written as a cell starts) to the latest end (status.json's `updated`). For one `fer-run run`
 * that trained every cell, this is the run's wall time less start-up and the report.
 */
export function cellsSpan(results: CollectedResults): string | null {
  let start = Infinity;
  let end = -Infinity;
  for (const c of results.cells) {
    const began = typeof c.env?.recorded === 'string' ? Date.parse(c.env.recorded) : NaN;
    const ended = c.done && c.updated ? Date.parse(c.updated) : NaN;
    if (!Number.isFinite(began) || !Number.isFinite(ended)) return null;
    start = Math.min(start, began);
    end = Math.max(end, ended);
  }
  if (!Number.isFinite(start)) return null;
  const at = (t: number) => new Date(t).toISOString().slice(0, 16).replace('T', ' ');
  return `${duration((end - start) / 1000)} from the first cell's start to the last cell's end (${at(start)} → ${at(end).slice(11)} UTC)`;
}

/** Training has levelled off when its last epoch adds less than this many points of training accuracy. */
const PLATEAU_POINTS = 1;

/**
 * The plateau criterion, measured: how much the last epoch added to training accuracy (over the
 * cells with two epochs or more), and the final training accuracies.
 */
export function plateau(results: CollectedResults): string | null {
  const gains: number[] = [];
  const finals: number[] = [];
  for (const c of results.cells) {
    const h = c.history;
    if (!c.done || h.length < 2) continue;
    gains.push(h[h.length - 1].trainAccuracy - h[h.length - 2].trainAccuracy);
    finals.push(h[h.length - 1].trainAccuracy);
  }
  if (gains.length === 0) return null;
  // Compared as rounded points, as printed: a cell shown at +1.0 did not gain "under 1 point".
  const rising = gains.filter((g) => Math.round(g * 1000) >= PLATEAU_POINTS * 10).length;
  const verdict = rising
    ? `not met: ${rising} of ${gains.length} cells gained ${PLATEAU_POINTS} point or more in their last epoch (still learning when training stopped)`
    : 'met';
  return (
    `the last epoch changed training accuracy by ${signedPoints(mean(gains), 1)} points on average over ${gains.length} cells ` +
    `(${signedPoints(Math.min(...gains), 1)} to ${signedPoints(Math.max(...gains), 1)}); final training accuracy ${Math.min(...finals).toFixed(3)}–${Math.max(...finals).toFixed(3)}. ` +
    `The criterion, a last-epoch gain under ${PLATEAU_POINTS} point in every cell: ${verdict}`
  );
}
