import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gitState } from '../../framework/runs/environment.js';
import { tempDir } from '../helpers/tmp.js';

describe("a run record's git state", () => {
  const tmp = tempDir('fer-run-git-');
  after(() => tmp.cleanup());

  it('is dirty for uncommitted code or manifests, not for the reports a run rewrites itself', () => {
    const git = (...a: string[]) => execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', ...a], { cwd: tmp.dir, stdio: 'pipe' });
    git('init', '-q');
    mkdirSync(join(tmp.dir, 'reports', 'x'), { recursive: true });
    mkdirSync(join(tmp.dir, 'experiments'), { recursive: true });
    writeFileSync(join(tmp.dir, 'reports', 'x', 'table.md'), 'old\n');
    writeFileSync(join(tmp.dir, 'experiments', 'm.json'), '{}\n');
    git('add', '-A');
    git('commit', '-qm', 'c');
    assert.equal(gitState(tmp.dir)!.dirty, false);
    writeFileSync(join(tmp.dir, 'reports', 'x', 'table.md'), 'new\n');
    assert.equal(gitState(tmp.dir)!.dirty, false, 'a regenerated report is not uncommitted code');
    assert.equal(gitState(join(tmp.dir, 'experiments'))!.dirty, false, 'from a subdirectory too');
    writeFileSync(join(tmp.dir, 'experiments', 'm.json'), '{ "seeds": [1] }\n');
    assert.equal(gitState(tmp.dir)!.dirty, true);
    assert.equal(gitState(join(tmp.dir, 'reports'))!.dirty, true, 'from a subdirectory too');
  });
});
