import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve, dirname } from 'node:path';
import { PROJECT_ROOT } from '../../framework/paths.js';

const PLUGINS = join(PROJECT_ROOT, 'plugins');
const FRAMEWORK = join(PROJECT_ROOT, 'framework');
const PUBLIC = join(FRAMEWORK, 'index.js');

/** Every module specifier a file imports, statically or dynamically, or re-exports. */
function specifiers(source: string): string[] {
  const found: string[] = [];
  for (const m of source.matchAll(/(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]/g)) found.push(m[1]);
  for (const m of source.matchAll(/(?:^|\n)\s*import\s*['"]([^'"]+)['"]/g)) found.push(m[1]);
  for (const m of source.matchAll(/import\(\s*['"]([^'"]+)['"]\s*\)/g)) found.push(m[1]);
  return found;
}

describe('built-in plugins use only the public API', () => {
  it('no file under plugins/ imports anything of framework/ but framework/index.ts (what the fer-run package exports)', () => {
    const files = readdirSync(PLUGINS, { recursive: true, encoding: 'utf8' }).filter((f) => /\.[cm]?ts$/.test(f));
    assert.ok(files.length > 20, `found only ${files.length} plugin source files`);
    const offenders: string[] = [];
    for (const f of files) {
      const file = join(PLUGINS, f);
      for (const spec of specifiers(readFileSync(file, 'utf8'))) {
        const target = spec.startsWith('.') ? resolve(dirname(file), spec) : null;
        if (target && target.startsWith(FRAMEWORK + '/') && target !== PUBLIC) offenders.push(`${relative(PROJECT_ROOT, file)} imports ${spec}`);
        if (/^fer-run\/./.test(spec)) offenders.push(`${relative(PROJECT_ROOT, file)} imports ${spec} (only 'fer-run' itself is exported)`);
      }
    }
    assert.deepEqual(offenders, []);
  });

  it('the scan sees an internal import when there is one', () => {
    assert.deepEqual(specifiers("import { x } from '../../../framework/data/real-images.js';\nconst y = await import('../../x.js');"), ['../../../framework/data/real-images.js', '../../x.js']);
  });
});
