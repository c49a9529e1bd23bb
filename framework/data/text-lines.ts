import { readFileSync } from 'node:fs';

/**
 * A text file's lines (without their CR LF or LF), decoded one by one from the file's bytes: a
 * list file as big as AffectNet's training.csv (436 MB) would be close to V8's longest string
 * (512 MiB) as one string, and a larger one could not be read at all.
 */
export function* textLines(file: string): Generator<string> {
  const bytes = readFileSync(file);
  // One line at a time, so that only the bytes and the line in hand are held, not every line.
  for (let start = 0; start <= bytes.length; ) {
    let end = bytes.indexOf(0x0a, start);
    if (end < 0) end = bytes.length;
    const stop = end > start && bytes[end - 1] === 0x0d ? end - 1 : end;
    yield bytes.toString('utf8', start, stop);
    start = end + 1;
  }
}
