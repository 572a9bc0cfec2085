/** The analyst console's client-side CSV (backend/analyst/csv.js): quoting, formulas, line ends. */
import { describe, expect, it } from 'vitest';
// @ts-expect-error -- a browser ES module without types, loaded as is.
import { csvField, toCsv } from '../../../backend/analyst/csv.js';

describe('analyst console CSV', () => {
  it('quotes every field and doubles quotes, keeping commas and line breaks inside the field', () => {
    expect(csvField('plain')).toBe('"plain"');
    expect(csvField('say "hi", then\nleave')).toBe('"say ""hi"", then\nleave"');
    expect(csvField(3)).toBe('"3"');
    expect(csvField(null)).toBe('""');
    expect(csvField(undefined)).toBe('""');
  });

  it('defuses texts a spreadsheet would run as formulas, not negative numbers', () => {
    for (const text of ['=HYPERLINK("x")', '+1', '-2+3', '@SUM(A1)', '\tx', '\rx']) expect(csvField(text)).toBe(`"'${text.replaceAll('"', '""')}"`);
    expect(csvField(-3)).toBe('"-3"');
  });

  it('writes a header row and CRLF line ends', () => {
    expect(
      toCsv(
        ['a', 'b'],
        [
          [1, 'x'],
          [2, 'y "z"'],
        ],
      ),
    ).toBe('"a","b"\r\n"1","x"\r\n"2","y ""z"""\r\n');
    expect(toCsv(['a'], [])).toBe('"a"\r\n');
  });
});
