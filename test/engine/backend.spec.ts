import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import fg from 'fast-glob';
import { CPU_ISA_ENV } from '../../framework/engine/native/addon.js';
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

describe("the native backend's instruction set", () => {
  const addonModule = new URL('../../framework/engine/native/addon.ts', import.meta.url).href;
  /** The instruction set oneDNN runs with in a fresh process (oneDNN reads ONEDNN_MAX_CPU_ISA once per process). */
  const isaOf = (env: Record<string, string>) => {
    const code = `import(${JSON.stringify(addonModule)}).then((m) => { const a = m.loadDnnlAddon().addon; console.log(a ? a.cpuIsa() : 'no addon'); })`;
    const r = spawnSync(process.execPath, ['--import', 'tsx', '-e', code], { env: { ...process.env, ...env }, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    return r.stdout.trim();
  };
  const hasAvx2 = existsSync('/proc/cpuinfo') && /\bavx2\b/.test(readFileSync('/proc/cpuinfo', 'utf8'));

  before(function () {
    if (isaOf({}) === 'no addon' && process.env.FER_RUN_REQUIRE_NATIVE !== '1') this.skip();
  });

  it(`follows ${CPU_ISA_ENV}, the cap that makes an AVX-512 machine train to the numbers AVX2 ones get`, function () {
    if (!hasAvx2) this.skip(); // x86-64 with AVX2: what the names below mean
    assert.equal(isaOf({ [CPU_ISA_ENV]: 'AVX2' }), 'avx2');
    assert.equal(isaOf({ [CPU_ISA_ENV]: 'AVX' }), 'avx');
    assert.match(isaOf({}), /^avx2|^avx512/);
  });

  it('is printed with the backend and recorded in every run', async function () {
    const tmp = tempDir();
    try {
      const manifest = tmp.write('n.json', tinyManifest({ rows: [{ name: 'M_Res', set: { 'model.attention': { type: 'none' }, 'model.discriminator': { type: 'none' } } }] }));
      const r = await cli(manifest, '--backend', 'native', '--launcher', 'local', '--runs', `${tmp.dir}/runs`, '--reports', `${tmp.dir}/reports`, '--cache', `${tmp.dir}/cache`, '--no-report');
      assert.equal(r.code, 0, r.stderr);
      const isa = isaOf({});
      assert.match(r.stderr, new RegExp(`^fer-run: backend native \\(@fer-run/dnnl, oneDNN \\d+\\.\\d+\\.\\d+ ${isa}, tfjs`, 'm'));
      const envs = fg.sync(`${tmp.dir}/runs/**/env.json`);
      assert.ok(envs.length > 0);
      for (const f of envs) assert.equal(JSON.parse(readFileSync(f, 'utf8')).oneDNNIsa, isa);
    } finally {
      tmp.cleanup();
    }
  });
});
