import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tinyManifest } from '../helpers/manifests.js';
import { tempDir } from '../helpers/tmp.js';

describe('the parallel executor (--jobs)', () => {
  const tmp = tempDir();
  after(() => tmp.cleanup());

  it('splits the cells over worker processes and reports once they all finish', () => {
    const m = tinyManifest({ seeds: [1, 2] });
    const file = tmp.write('m.json', m);
    const r = spawnSync('npx', ['tsx', 'framework/cli/main.ts', file, '--jobs', '2', '--runs', join(tmp.dir, 'runs'), '--reports', join(tmp.dir, 'reports'), '--cache', join(tmp.dir, 'cache'), '--backend', 'wasm'], {
      encoding: 'utf8',
      timeout: 120000,
    });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /4 cell\(s\): 4 trained, 0 reused, 0 failed, in \d+ s \(2 processes\)/);
    const cells = readdirSync(join(tmp.dir, 'runs', 'tiny'));
    assert.equal(cells.length, 4);
    for (const c of cells) assert.equal(JSON.parse(readFileSync(join(tmp.dir, 'runs', 'tiny', c, 'status.json'), 'utf8')).status, 'done');
    assert.match(readFileSync(join(tmp.dir, 'reports', 'tiny', 'table.md'), 'utf8'), /\| M_ResAttAdv \(ours\) \| \**\d\.\d{4}/);
  });

  it('runs as many cells at once as there are processes, also when there are no more cells than processes', () => {
    // Two cells on --jobs 2: both runners start together. (The launcher once counted its slots
    // against a queue it was shifting, so two cells got one runner and trained one after the other.)
    const m = tinyManifest({ name: 'pair', seeds: [1] });
    // Long enough (a few seconds) that two runners started together overlap whatever their start-up times.
    m.trainings.lab.epochs = 6;
    const file = tmp.write('pair.json', m);
    const runs = join(tmp.dir, 'pair-runs');
    const r = spawnSync('npx', ['tsx', 'framework/cli/main.ts', file, '--jobs', '2', '--runs', runs, '--reports', join(tmp.dir, 'reports'), '--cache', join(tmp.dir, 'cache'), '--backend', 'wasm'], {
      encoding: 'utf8',
      timeout: 120000,
    });
    assert.equal(r.status, 0, r.stderr);
    const spans = readdirSync(join(runs, 'pair')).map((c) => {
      const stamps = readFileSync(join(runs, 'pair', c, 'log.txt'), 'utf8').trim().split('\n').map((l) => Date.parse(l.slice(0, 24)));
      return { start: stamps[0], end: stamps[stamps.length - 1] };
    });
    assert.equal(spans.length, 2);
    assert.ok(spans[0].start < spans[1].end && spans[1].start < spans[0].end, `the two cells trained one after the other: ${JSON.stringify(spans)}`);
  });
});
