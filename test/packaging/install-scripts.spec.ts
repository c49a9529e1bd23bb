import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../framework/paths.js';

const npm = (...args: string[]) => spawnSync('npm', args, { cwd: PROJECT_ROOT, encoding: 'utf8', timeout: 60_000 });
const [major, minor] = npm('--version').stdout.trim().split('.').map(Number);

describe('a fresh install runs exactly the install scripts package.json allows', () => {
  it("allowScripts covers every dependency with an install script (npm install prints no advisory), the oneDNN addon's build allowed", function () {
    // allowScripts and `npm install-scripts` came with npm 11.16; older npm runs every script anyway.
    if (major < 11 || (major === 11 && minor < 16)) this.skip();
    const r = npm('install-scripts', 'ls');
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /No packages with unreviewed install scripts/, r.stdout);
    const pkg = JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8'));
    assert.equal(pkg.allowScripts[pkg.optionalDependencies['@fer-run/dnnl']], true, 'the addon is keyed by its dependency spec, as npm matches file: dependencies');
  });
});
