import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { loadRegistry } from '../../framework/cli/session.js';
import { Ajv } from 'ajv';
import { combinedSchema, COMBINED_SCHEMA_FILE } from '../../framework/schema/combined-schema.js';
import { cli } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

describe('the combined manifest schema (for editors)', () => {
  it('the committed schemas/manifest.combined.schema.json is up to date (run `fer-run schema` when this fails)', async () => {
    const expected = JSON.stringify(combinedSchema(await loadRegistry()), null, 2) + '\n';
    assert.equal(readFileSync(COMBINED_SCHEMA_FILE, 'utf8'), expected);
  });

  it('`fer-run schema --check` exits 1 on a stale file and 0 on a fresh one', async () => {
    const tmp = tempDir();
    try {
      const f = tmp.write('s.json', '{}\n');
      assert.equal((await cli('schema', '--check', '--out', f)).code, 1);
      assert.equal((await cli('schema', '--out', f)).code, 0);
      assert.equal((await cli('schema', '--check', '--out', f)).code, 0);
    } finally {
      tmp.cleanup();
    }
  });

  it('is a valid JSON Schema that accepts the committed synthetic manifests and spells out plugin options', async () => {
    const schema = JSON.parse(readFileSync(COMBINED_SCHEMA_FILE, 'utf8'));
    // Editors read defaults inside oneOf branches as hints; ajv's strict mode would reject them as ignored.
    const ajv = new Ajv({ strict: false, allowUnionTypes: true });
    ajv.addSchema(schema);
    const validate = ajv.getSchema(schema.$id)!;
    const m = JSON.parse(readFileSync('experiments/synthetic/table3.json', 'utf8'));
    assert.ok(validate(m), JSON.stringify(validate.errors));
    assert.ok(m.extends && !m.rows, 'the committed manifest extends the shared rows');
    const { extends: _base, ...alone } = m;
    assert.equal(validate(alone), false, 'without extends, the rows are required');
    m.model.backbone.options.depth = 3;
    assert.equal(validate(m), false);
  });
});
