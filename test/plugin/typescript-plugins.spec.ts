import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../framework/paths.js';
import { tinyManifest } from '../helpers/manifests.js';
import { tempDir } from '../helpers/tmp.js';

/** The compiled command line, what `npx fer-run` runs: plain node, no TypeScript loader of its own. */
const COMPILED_CLI = join(PROJECT_ROOT, 'dist', 'framework', 'cli', 'main.js');

function compiledFerRun(cwd: string, ...args: string[]) {
  assert.ok(existsSync(COMPILED_CLI), `${COMPILED_CLI} is missing: run npm run build (npm install does) before the tests`);
  return spawnSync(process.execPath, [COMPILED_CLI, ...args], { cwd, encoding: 'utf8', env: { ...process.env, FER_RUN_NO_NATIVE: '1' } });
}

/** README's "Writing a plugin" example, exactly as printed there. */
function readmePlugin(): string {
  const readme = readFileSync(join(PROJECT_ROOT, 'README.md'), 'utf8');
  const start = readme.indexOf('// my-plugins/stripe/plugin.ts');
  assert.ok(start > 0, 'README.md has its stripe plugin example');
  return readme.slice(start, readme.indexOf('```', start));
}

describe('TypeScript plugins under the compiled fer-run', () => {
  const tmp = tempDir();
  after(() => tmp.cleanup());

  it("README's plugin example loads with `npx fer-run … --plugins my-plugins`, in a project that installed fer-run", function () {
    this.timeout(60_000);
    // A user's project: an ES-module package with fer-run in its node_modules.
    const project = join(tmp.dir, 'project');
    tmp.write('project/package.json', { name: 'my-study', private: true, type: 'module' });
    mkdirSync(join(project, 'node_modules'), { recursive: true });
    symlinkSync(PROJECT_ROOT, join(project, 'node_modules', 'fer-run'), 'dir');
    tmp.write('project/my-plugins/stripe/plugin.ts', readmePlugin());
    const listed = compiledFerRun(project, 'plugins', '--plugins', 'my-plugins', '--kind', 'occluder');
    assert.equal(listed.status, 0, listed.stderr);
    assert.match(listed.stdout, /stripe {2}— A horizontal stripe across the face\.\n.*my-plugins[\\/]stripe[\\/]plugin\.ts\)\n\s+height: integer = 4/);
    const m = tinyManifest();
    m.columns[0].evals[0].occluder = { type: 'stripe', options: { height: 6 } };
    tmp.write('project/uses-stripe.json', m);
    const validated = compiledFerRun(project, 'validate', 'uses-stripe.json', '--plugins', 'my-plugins');
    assert.equal(validated.status, 0, validated.stderr);
  });

  it('a TypeScript plugin outside any ES-module package (CommonJS to Node) loads too', function () {
    this.timeout(60_000);
    tmp.write('loose/stripe/plugin.ts', "export default { kind: 'occluder', name: 'loose-stripe', description: 'd', optionsSchema: { type: 'object', additionalProperties: false, properties: {} }, create: () => ({ title: 't', apply: (s: { image: Uint8Array }) => ({ image: s.image, mask: new Uint8Array(0) }) }) };\n");
    const listed = compiledFerRun(tmp.dir, 'plugins', '--plugins', 'loose', '--kind', 'occluder');
    assert.equal(listed.status, 0, listed.stderr);
    assert.match(listed.stdout, /loose-stripe {2}— d/);
  });
});
