import { readFileSync } from 'node:fs';
import { InputError } from '../errors.js';

/** Line and column (1-based) of a character offset, for JSON syntax errors. */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, Math.max(0, Math.min(offset, text.length)));
  const lines = before.split('\n');
  return { line: lines.length, column: lines[lines.length - 1].length + 1 };
}

/**
 * Reads and parses a JSON file. A missing file or a syntax error becomes an InputError naming
 * the file and, for syntax errors, the line and column where the parser stopped.
 */
export function readJsonFile(file: string, what = 'manifest'): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new InputError(
      code === 'ENOENT'
        ? `${file}: no such ${what} file. Check the path (it is resolved from ${process.cwd()}).`
        : `${file}: cannot read the ${what} (${code ?? (e as Error).message}).`,
    );
  }
  // A byte-order mark, as Windows editors save UTF-8, is not part of the JSON.
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  try {
    return JSON.parse(text);
  } catch (e) {
    const message = (e as Error).message;
    const m = /position (\d+)/.exec(message);
    const offset = m ? Number(m[1]) : text.length;
    const { line, column } = lineColumn(text, offset);
    const reason = message.replace(/^JSON\.parse: /, '').replace(/ in JSON at position \d+.*$/, '');
    throw new InputError(
      `${file}:${line}:${column}: the ${what} is not valid JSON (${reason}). ` +
        'Fix the syntax at that line and column (a missing comma, a trailing comma or an unquoted key are the usual causes).',
    );
  }
}
