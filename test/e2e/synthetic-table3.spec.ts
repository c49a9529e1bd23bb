import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadManifest } from '../../framework/config/load-manifest.js';
import { cli } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

/** experiments/synthetic/table3.json shrunk to seconds: 1 seed, 1 epoch, tiny data and network. */
function tinyTable3(): Record<string, any> {
  // The manifest with its base (the four rows) merged in, as fer-run reads it.
  const m = loadManifest('experiments/synthetic/table3.json').raw as Record<string, any>;
  const shrink = (ref: { options: Record<string, unknown> }) => Object.assign(ref.options, { train: 96, test: 40 });
  delete m.$schema;
  m.name = 'tiny-table3';
  m.seeds = [1];
  m.imageSize = 32;
  m.trainings.lab.epochs = 1;
  m.trainings.lab.batchSize = 32;
  m.trainings.lab.datasets.forEach(shrink);
  m.columns.forEach((c: { test: { dataset: { options: Record<string, unknown> } } }) => shrink(c.test.dataset));
  m.model.backbone.options.widths = [4, 8, 8, 16];
  return m;
}

describe('end to end: a 1-epoch tiny version of synthetic Table 3', () => {
  const tmp = tempDir();
  after(() => tmp.cleanup());

  it('trains every row, evaluates every column and writes the report with its figures', async () => {
    const file = tmp.write('tiny-table3.json', tinyTable3());
    const r = await cli(file, '--runs', join(tmp.dir, 'runs'), '--reports', join(tmp.dir, 'reports'), '--cache', join(tmp.dir, 'cache'), '--backend', 'wasm');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /fer-run: backend wasm/);
    const dir = join(tmp.dir, 'reports', 'tiny-table3');
    const md = readFileSync(join(dir, 'table.md'), 'utf8');
    assert.match(md.split('\n')[0], /\(synthetic data\)$/);
    const columns = ['clean', 'objects', 'R8', 'R16', 'R24', 'R24 (eye occluded)', 'R24 (mouth occluded)'];
    assert.ok(md.includes(`| Methods | ${columns.join(' | ')} |`));
    for (const row of ['M_Res', 'M_ResAtt', 'M_ResAdv', 'M_ResAttAdv']) {
      const line = md.split('\n').find((l) => l.startsWith(`| ${row} (ours) |`));
      assert.ok(line, `row ${row} missing`);
      const cells = line!.split('|').slice(2, -1).map((c) => c.trim());
      assert.equal(cells.length, columns.length);
      for (const c of cells) assert.match(c, /^\**\d\.\d{4}\**$/, `row ${row} has an unfilled cell: ${line}`);
      assert.ok(md.includes(`| *${row}* (paper) |`), 'paper reference rows are present and labelled');
    }
    assert.match(md, /## Significance: M_ResAttAdv vs M_Res/);
    assert.match(md, /- Backend: wasm/);
    for (const f of ['table.csv', 'accuracy.svg', 'accuracy.png', 'training-curves.png', 'figure2-masks.png']) assert.ok(existsSync(join(dir, f)), `${f} missing`);
    // A second run reuses every cell.
    const again = await cli(file, '--runs', join(tmp.dir, 'runs'), '--reports', join(tmp.dir, 'reports'), '--cache', join(tmp.dir, 'cache'), '--backend', 'wasm', '--no-report');
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stderr, /0 trained, 4 reused, 0 failed/);
    // `fer-run report` rebuilds the same table from the run records, training nothing.
    const rebuilt = await cli('report', file, '--runs', join(tmp.dir, 'runs'), '--reports', join(tmp.dir, 'rebuilt'), '--cache', join(tmp.dir, 'cache'), '--backend', 'wasm');
    assert.equal(rebuilt.code, 0, rebuilt.stderr);
    const table = (text: string) => text.slice(text.indexOf('| Methods'), text.indexOf('## Run metadata'));
    assert.equal(table(readFileSync(join(tmp.dir, 'rebuilt', 'tiny-table3', 'table.md'), 'utf8')), table(md));
  });
});
