import assert from 'node:assert/strict';
import { loadRegistry } from '../../framework/cli/session.js';
import { createContainer, registryOf, TOKENS } from '../../framework/di/container.js';
import { discoverPlugins } from '../../framework/plugin/discovery.js';
import { closest } from '../../framework/plugin/did-you-mean.js';
import { cli } from '../helpers/cli.js';
import { tinyManifest } from '../helpers/manifests.js';
import { tempDir } from '../helpers/tmp.js';

const STRIPE_PLUGIN = `
// A user plugin with no imports: a horizontal stripe occluder.
export default {
  kind: 'occluder',
  name: 'stripe',
  description: 'A horizontal stripe across the face.',
  optionsSchema: { type: 'object', additionalProperties: false, properties: { height: { type: 'integer', minimum: 1, default: 4 } } },
  create(options, ctx) {
    return {
      title: 'stripe',
      apply(sample, size, rng) {
        const y0 = rng.int(size - options.height + 1);
        const image = new Uint8Array(sample.image);
        const mask = new Uint8Array(size * size);
        for (let y = y0; y < y0 + options.height; y++) for (let x = 0; x < size; x++) { mask[y * size + x] = 1; image.fill(0, (y * size + x) * 3, (y * size + x) * 3 + 3); }
        return { image, mask };
      },
    };
  },
};
`;

describe('plugin discovery and the registry', () => {
  const tmp = tempDir();
  after(() => tmp.cleanup());

  it('finds the project plugins of every kind', async () => {
    const r = await loadRegistry();
    assert.deepEqual(r.names('backbone'), ['face-expression', 'face-resnet', 'resnet-mini', 'resnet18', 'resnet50']);
    assert.deepEqual(r.names('attention'), ['none', 'occlusion-mask']);
    assert.deepEqual(r.names('discriminator'), ['mlp', 'none']);
    assert.deepEqual(r.names('launcher'), ['bullmq', 'local', 'processes']);
    assert.ok(r.names('occluder').includes('block') && r.names('occluder').includes('natural'));
    assert.ok(r.names('dataset').includes('synthetic-faces'));
  });

  it('wraps each plugin in its own container module and builds the registry from the container', async () => {
    const plugins = await discoverPlugins();
    const container = createContainer(plugins);
    assert.equal(container.getAll(TOKENS.Plugin).length, plugins.length);
    assert.equal(registryOf(container), registryOf(container), 'the registry is a singleton');
  });

  it('loads a plugin from a user directory given with --plugins, and a manifest can use it', async () => {
    tmp.write('user-plugins/stripe/plugin.js', STRIPE_PLUGIN);
    const r = await loadRegistry([tmp.dir + '/user-plugins']);
    assert.ok(r.has('occluder', 'stripe'));
    const m = tinyManifest();
    m.columns[0].evals[0].occluder = { type: 'stripe', options: { height: 6 } };
    const file = tmp.write('uses-stripe.json', m);
    const without = await cli('validate', file);
    assert.equal(without.code, 2);
    assert.match(without.stderr, /unknown occluder "stripe"/);
    const withDir = await cli('validate', file, '--plugins', tmp.dir + '/user-plugins');
    assert.equal(withDir.code, 0, withDir.stderr);
  });

  it('loads plugin directories listed in the manifest, relative to it', async () => {
    tmp.write('proj/plugins-here/stripe/plugin.js', STRIPE_PLUGIN);
    const m = { ...tinyManifest(), plugins: ['plugins-here'] };
    m.columns[0].evals[0].occluder = { type: 'stripe' };
    const r = await cli('print-config', tmp.write('proj/m.json', m));
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout).columns[0].evals[0].occluder, { type: 'stripe', options: { height: 4 } });
  });

  it('a duplicate name is an error naming both files', async () => {
    tmp.write('dupes/a/plugin.js', STRIPE_PLUGIN);
    tmp.write('dupes/b/plugin.js', STRIPE_PLUGIN);
    await assert.rejects(loadRegistry([tmp.dir + '/dupes']), (e: Error) => {
      assert.match(e.message, /two occluder plugins are named "stripe": .*dupes\/a\/plugin\.js and .*dupes\/b\/plugin\.js/);
      return true;
    });
  });

  it('a user directory shadowing a project plugin is a duplicate too', async () => {
    tmp.write('shadow/block/plugin.js', STRIPE_PLUGIN.replace("name: 'stripe'", "name: 'block'"));
    await assert.rejects(loadRegistry([tmp.dir + '/shadow']), /two occluder plugins are named "block"/);
  });

  it('an invalid plugin module is reported with what is wrong', async () => {
    tmp.write('broken/x/plugin.js', "export default { kind: 'gizmo', name: 'Bad Name' };");
    await assert.rejects(loadRegistry([tmp.dir + '/broken']), /not a valid fer-run plugin: "kind" must be one of .*"name" must be a lower-case kebab-case string/);
  });

  it('an unknown name gets a did-you-mean', async () => {
    const r = await loadRegistry();
    assert.throws(() => r.get('occluder', 'blok'), /unknown occluder "blok". Did you mean "block"\?/);
    assert.equal(closest('resnet-50', r.names('backbone')), 'resnet50');
    assert.equal(closest('transformer', r.names('backbone')), undefined);
  });

  it('a missing plugin directory is an input error', async () => {
    const r = await cli('plugins', '--plugins', tmp.dir + '/nope');
    assert.equal(r.code, 2);
    assert.match(r.stderr, /plugin directory .*nope does not exist/);
  });

  it('`fer-run plugins` lists kinds, names, descriptions and options', async () => {
    const r = await cli('plugins');
    assert.equal(r.code, 0);
    assert.match(r.stdout, /BACKBONE plugins\n(?:.*\n)*? {2}resnet-mini {2}— /);
    assert.match(r.stdout, /widths: integer\[\] = \[16,32,64,128\]/);
  });
});
