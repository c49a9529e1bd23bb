import assert from 'node:assert/strict';
import { loadExperiment } from '../../framework/cli/session.js';
import { expandCells } from '../../framework/runs/cells.js';
import { longestFirst } from '../../framework/runs/launch-order.js';
import type { CellJob } from '../../framework/runs/run-cell.js';

const jobsOf = (cells: ReturnType<typeof expandCells>): CellJob[] => cells.map((cell) => ({ experiment: 'x', cell, force: false, label: `${cell.row} ${cell.seed}` }));

describe('launch order', () => {
  it("hands Table 3's cells to the launcher longest first: M_ResAttAdv, then M_ResAtt and M_ResAdv, then M_Res, seeds in order", async () => {
    const { resolved } = await loadExperiment('experiments/synthetic/table3.json', {});
    const jobs = jobsOf(expandCells(resolved, 'native'));
    assert.equal(jobs[0].cell.row, 'M_Res', 'the experiment order starts with M_Res');
    const order = longestFirst(jobs).map((j) => j.label);
    const seeds = (row: string) => [1, 2, 3, 4, 5].map((s) => `${row} ${s}`);
    assert.deepEqual(order, [...seeds('M_ResAttAdv'), ...seeds('M_ResAtt'), ...seeds('M_ResAdv'), ...seeds('M_Res')]);
    assert.equal(jobs[0].label, 'M_Res 1', 'the input is not reordered in place');
  });

  it('puts a cell with more epochs before one with more model parts', async () => {
    const { resolved } = await loadExperiment('experiments/synthetic/table3.json', {});
    const jobs = jobsOf(expandCells(resolved, 'native').filter((c) => c.seed === 1));
    const res = jobs.find((j) => j.cell.row === 'M_Res')!;
    const longer = { ...res, label: 'long M_Res', cell: { ...res.cell, config: { ...res.cell.config, training: { ...res.cell.config.training, epochs: res.cell.config.training.epochs + 1 } } } };
    assert.deepEqual(longestFirst([...jobs, longer]).map((j) => j.label), ['long M_Res', 'M_ResAttAdv 1', 'M_ResAtt 1', 'M_ResAdv 1', 'M_Res 1']);
  });
});
