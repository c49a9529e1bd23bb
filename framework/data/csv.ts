/**
 * The fields of one CSV line as RFC 4180 writes them: a field may be quoted ("a,b"), a quote inside
 * a quoted field doubled (""). Dataset lists re-saved by pandas or a spreadsheet quote fields that
 * the released files leave bare (AffectNet's `facial_landmarks`), so a bare split on commas would
 * keep the quotes in paths and numbers. Fields are trimmed; a byte-order mark before the first is dropped.
 */
export function csvFields(line: string): string[] {
  const s = line.charCodeAt(0) === 0xfeff ? line.slice(1) : line;
  const fields: string[] = [];
  let i = 0;
  for (;;) {
    while (s[i] === ' ' || s[i] === '\t') i++;
    let field = '';
    if (s[i] === '"') {
      i++;
      for (;;) {
        const q = s.indexOf('"', i);
        if (q < 0) {
          field += s.slice(i);
          i = s.length;
          break;
        }
        field += s.slice(i, q);
        i = q + 1;
        if (s[i] === '"') {
          field += '"';
          i++;
        } else break;
      }
    }
    // The rest up to the comma: the whole of a bare field, whatever follows a quoted one's closing quote.
    const comma = s.indexOf(',', i);
    const end = comma < 0 ? s.length : comma;
    field += s.slice(i, end);
    i = end;
    fields.push(field.trim());
    if (i >= s.length) return fields;
    i++; // past the comma
  }
}
