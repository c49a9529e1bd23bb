import sharp from 'sharp';
import * as vega from 'vega';
import * as vl from 'vega-lite';
import { writeFileAtomic } from '../runs/atomic.js';
import type { CollectedResults } from './collect.js';
import type { ResultTable } from './table.js';

/** Renders a vega-lite spec to SVG in Node (no browser), and to PNG with sharp. */
export async function renderChart(spec: vl.TopLevelSpec, svgFile: string, pngFile: string): Promise<void> {
  const view = new vega.View(vega.parse(vl.compile(spec).spec), { renderer: 'none' });
  const svg = await view.toSVG();
  view.finalize();
  writeFileAtomic(svgFile, svg);
  writeFileAtomic(pngFile, await sharp(Buffer.from(svg), { density: 144 }).png().toBuffer());
}

/** No cap on legend labels (vega: limit 0): a row name is shown whole, the legend grows to fit it. */
const NO_LABEL_LIMIT = 0;

/** Accuracy of our rows across the columns (Table 3: across occlusion modes). */
export function accuracySpec(table: ResultTable, title: string): vl.TopLevelSpec {
  const values: { column: string; order: number; row: string; accuracy: number; lo: number; hi: number }[] = [];
  table.columns.forEach((c, order) => {
    const i = c.evals.length - 1; // the occluded evaluation when there are two
    for (const r of table.rows.filter((x) => x.source === 'ours')) {
      const s = r.cells[c.name][i];
      if (s) values.push({ column: c.name, order, row: r.name, accuracy: s.mean, lo: s.mean - s.std, hi: s.mean + s.std });
    }
  });
  const x = { field: 'column', type: 'ordinal' as const, sort: table.columns.map((c) => c.name), title: null, axis: { labelAngle: -20 } };
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title,
    width: 420,
    height: 240,
    data: { values },
    layer: [
      { mark: { type: 'line', point: true }, encoding: { x, y: { field: 'accuracy', type: 'quantitative', scale: { zero: false }, title: 'accuracy' }, color: { field: 'row', type: 'nominal', title: null, legend: { labelLimit: NO_LABEL_LIMIT } } } },
      { mark: { type: 'errorbar' }, encoding: { x, y: { field: 'lo', type: 'quantitative', title: 'accuracy' }, y2: { field: 'hi' }, color: { field: 'row', type: 'nominal' } } },
    ],
  } as vl.TopLevelSpec;
}

/** Training curves: the total loss and training accuracy per epoch, mean over seeds, one line per row and training. */
export function curvesSpec(results: CollectedResults, title: string): vl.TopLevelSpec {
  const acc = new Map<string, { row: string; epoch: number; sum: number; n: number; term: string }>();
  for (const c of results.cells) {
    for (const h of c.history) {
      for (const [term, v] of [['total loss', h.loss], ['train accuracy', h.trainAccuracy]] as const) {
        const key = `${c.cell.row}|${c.cell.training}|${h.epoch}|${term}`;
        const e = acc.get(key) ?? { row: `${c.cell.row} (${c.cell.training})`, epoch: h.epoch + 1, sum: 0, n: 0, term };
        e.sum += v;
        e.n++;
        acc.set(key, e);
      }
    }
  }
  const values = [...acc.values()].map((e) => ({ row: e.row, epoch: e.epoch, value: e.sum / e.n, term: e.term }));
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title,
    data: { values },
    facet: { column: { field: 'term', type: 'nominal', title: null } },
    spec: {
      width: 260,
      height: 200,
      mark: { type: 'line', point: true },
      encoding: {
        x: { field: 'epoch', type: 'quantitative', axis: { tickMinStep: 1 } },
        y: { field: 'value', type: 'quantitative', scale: { zero: false }, title: null },
        // Row names such as "λ1 = 0.1, λ2 = 0.1 (paper) (lab)" outgrow vega's default 160-px labels.
        color: { field: 'row', type: 'nominal', title: null, legend: { labelLimit: NO_LABEL_LIMIT } },
      },
    },
    resolve: { scale: { y: 'independent' } },
  } as vl.TopLevelSpec;
}
