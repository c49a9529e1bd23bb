import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../framework/paths.js';
import { cli } from '../helpers/cli.js';

describe('fer-run --version and --help', () => {
  const version = JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')).version as string;

  it('--version and -V print package.json\'s version and exit 0 (not "unknown option" from the default run command)', async () => {
    for (const flag of ['--version', '-V']) {
      const r = await cli(flag);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout.trim(), version);
    }
  });

  it('--help lists every command and exits 0', async () => {
    const r = await cli('--help');
    assert.equal(r.code, 0, r.stderr);
    for (const c of ['run', 'worker', 'validate', 'print-config', 'plugins', 'schema', 'report', 'preview']) assert.match(r.stdout, new RegExp(`\\n  ${c} `));
  });
});
