import assert from 'node:assert/strict';
import { launcherRef } from '../../framework/cli/launcher-option.js';
import { InputError } from '../../framework/errors.js';

describe('the launcher a command line asks for', () => {
  const manifestProcesses = { type: 'processes', options: { jobs: 2 } };
  const manifestLocal = { type: 'local' };

  it('--jobs N alone: N processes, and 1 means in this process', () => {
    assert.deepEqual(launcherRef(manifestLocal, { jobs: '3' }), { type: 'processes', options: { jobs: 3 } });
    assert.deepEqual(launcherRef(manifestProcesses, { jobs: '1' }), { type: 'local' });
    assert.deepEqual(launcherRef(manifestProcesses, {}), manifestProcesses);
  });

  it('--launcher processes --jobs N: N processes, 1 included, over the manifest\'s count', () => {
    assert.deepEqual(launcherRef(manifestProcesses, { launcher: 'processes', jobs: '1' }), { type: 'processes', options: { jobs: 1 } });
    assert.deepEqual(launcherRef(manifestLocal, { launcher: 'processes', jobs: '4' }), { type: 'processes', options: { jobs: 4 } });
    assert.deepEqual(launcherRef(manifestProcesses, { launcher: 'processes' }), manifestProcesses);
  });

  it('--launcher local (or bullmq) with --jobs is a contradiction, said as bad input', () => {
    assert.throws(() => launcherRef(manifestProcesses, { launcher: 'local', jobs: '2' }), (e: Error) => e instanceof InputError && /--jobs/.test(e.message) && /processes/.test(e.message));
    assert.throws(() => launcherRef(manifestLocal, { redis: 'redis://localhost:6379', jobs: '2' }), InputError);
    assert.deepEqual(launcherRef(manifestProcesses, { launcher: 'local' }), { type: 'local', options: {} });
  });
});
