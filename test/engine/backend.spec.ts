import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { cli } from '../helpers/cli.js';
import { tinyManifest } from '../helpers/manifests.js';
import { tempDir } from '../helpers/tmp.js';

const installed = (pkg: string) => {
  try {
    createRequire(import.meta.url).resolve(pkg);
    return true;
  } catch {
    return false;
  }
};

describe('backend selection', () => {
  const tmp = tempDir();
  after(() => tmp.cleanup());

  it('prints and uses the chosen backend', async () => {
    const r = await cli(tmp.write('a.json', tinyManifest({ rows: [{ name: 'M_Res', set: { 'model.attention': { type: 'none' }, 'model.discriminator': { type: 'none' } } }] })), '--backend', 'wasm', '--runs', `${tmp.dir}/runs`, '--reports', `${tmp.dir}/reports`, '--cache', `${tmp.dir}/cache`, '--no-report');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /^fer-run: backend wasm \(@tensorflow\/tfjs-backend-wasm, tfjs 4\.22\.0, \d threads?\)/m);
  });

  it('a forced backend that is missing is an input error saying how to install it', async function () {
    if (installed('@tensorflow/tfjs-node') || installed('@tensorflow/tfjs-node-gpu')) this.skip(); // only meaningful where tfjs-node is absent, as on these machines
    const r = await cli(tmp.write('b.json', tinyManifest()), '--backend', 'tensorflow', '--runs', `${tmp.dir}/runs`);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /backend "tensorflow" was requested but neither @tensorflow\/tfjs-node-gpu nor @tensorflow\/tfjs-node loads\. Install one \(`npm install @tensorflow\/tfjs-node@4\.22\.0`/);
  });
});
