import assert from 'node:assert/strict';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../framework/paths.js';
import { cli } from '../helpers/cli.js';

describe('a training that stops part-way through its cosine period', () => {
  const table3 = join(PROJECT_ROOT, 'experiments/synthetic/table3.json');
  // Table 3 with a 10-epoch period, whatever the shipped manifest's epochs and period are.
  const period10 = ['--set', 'optimizer.schedule.period=10'];

  it('is valid but warned about, with the learning rate it ends at and the --set that fixes it', async () => {
    const r = await cli('validate', table3, ...period10, '--set', 'trainings.lab.epochs=15');
    assert.equal(r.code, 0, r.stderr);
    // Table 3: lr 3e-3 down to 1e-5 over 10 epochs; epoch 15 is half-way through the second period.
    assert.match(r.stderr, /warning: .*table3\.json: training "lab" stops part-way through a cosine period: with optimizer\.schedule\.period 10 the lr after 15 epochs is 1\.5e-3, not the floor/);
    assert.match(r.stderr, /--set optimizer\.schedule\.period=15/);
  });

  it('names the rows whose own set block causes it, and says nothing of whole periods', async () => {
    const r = await cli('validate', table3, ...period10, '--set', 'trainings.lab.epochs=10', '--set', 'rows.1.set={"trainings.lab.epochs": 5}');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /training "lab" \(rows "M_ResAtt"\) stops part-way .*\.period 10 the lr after 5 epochs is/);
    // One epoch reads in the singular.
    assert.match((await cli('validate', table3, ...period10, '--set', 'trainings.lab.epochs=1')).stderr, /the lr after 1 epoch is 2\.9e-3/);
    for (const sets of [[], [...period10, '--set', 'trainings.lab.epochs=10'], [...period10, '--set', 'trainings.lab.epochs=20'], ['--set', 'trainings.lab.epochs=15', '--set', 'optimizer.schedule.period=15']]) {
      const ok = await cli('validate', table3, ...sets);
      assert.equal(ok.code, 0, ok.stderr);
      assert.doesNotMatch(ok.stderr, /warning/, sets.join(' '));
    }
  });
});
