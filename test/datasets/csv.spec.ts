import assert from 'node:assert/strict';
import { csvFields } from '../../framework/data/csv.js';
import { textLines } from '../../framework/data/text-lines.js';
import { tempDir } from '../helpers/tmp.js';

describe('csvFields', () => {
  it('splits bare fields, trimmed, empty ones kept', () => {
    assert.deepEqual(csvFields('a, b ,,c'), ['a', 'b', '', 'c']);
    assert.deepEqual(csvFields(''), ['']);
    assert.deepEqual(csvFields('a,'), ['a', '']);
  });
  it('reads quoted fields with commas and doubled quotes, as pandas and spreadsheets write them', () => {
    assert.deepEqual(csvFields('"689/a.jpg",134,"1.5;2.5","say ""hi"", then go",7'), ['689/a.jpg', '134', '1.5;2.5', 'say "hi", then go', '7']);
    assert.deepEqual(csvFields('"",x'), ['', 'x']);
  });
  it('drops a byte-order mark before the first field', () => {
    assert.deepEqual(csvFields('\ufeffsubDirectory_filePath,face_x'), ['subDirectory_filePath', 'face_x']);
    assert.deepEqual(csvFields('\ufeff"file",subject'), ['file', 'subject']);
  });
});

describe('textLines', () => {
  const tmp = tempDir('fer-run-lines-');
  after(() => tmp.cleanup());
  it('splits LF and CR LF lines as String.split would, decoding UTF-8 line by line', () => {
    const file = tmp.write('list.txt', 'a\r\nb é\n\nc');
    assert.deepEqual([...textLines(file)], ['a', 'b é', '', 'c']);
    assert.deepEqual([...textLines(tmp.write('end.txt', 'x\n'))], ['x', '']);
    assert.deepEqual([...textLines(tmp.write('empty.txt', ''))], ['']);
  });
});
