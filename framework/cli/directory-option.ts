import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { InputError } from '../errors.js';

/**
 * Checks, before any work starts, that a directory given on the command line can be written:
 * it is a directory (or can be created as one: its nearest existing ancestor is a writable
 * directory). A file given as `--runs` used to surface as a stack trace from the first cell's
 * mkdir, after the faces had been drawn.
 */
export function writableDir(flag: string, dir: string): string {
  let existing = dir;
  while (!existsSync(existing) && dirname(existing) !== existing) existing = dirname(existing);
  const fix = 'Give a directory there (fer-run creates it when it is missing).';
  if (!statSync(existing).isDirectory()) {
    throw new InputError(
      existing === dir
        ? `${flag} ${dir}: this is a file, not a directory. ${fix}`
        : `${flag} ${dir}: ${existing} is a file, so no directory can be created inside it. ${fix}`,
    );
  }
  try {
    accessSync(existing, constants.W_OK);
  } catch {
    throw new InputError(`${flag} ${dir}: ${existing === dir ? 'this directory' : existing} is not writable by this user. Choose a directory you can write to.`);
  }
  return dir;
}
