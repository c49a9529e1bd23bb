import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The project root (where package.json, schemas/ and experiments/ live), found from this file in
 * both layouts: framework/paths.ts under tsx, and dist/framework/paths.js when compiled.
 */
export const PROJECT_ROOT = (() => {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 4; i++) {
    dir = dirname(dir);
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'schemas'))) return dir;
  }
  throw new Error('fer-run: cannot find the project root (package.json and schemas/) above the framework');
})();

export const SCHEMAS_DIR = join(PROJECT_ROOT, 'schemas');
