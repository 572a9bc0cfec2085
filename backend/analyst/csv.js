// CSV as spreadsheets and pandas read it (RFC 4180): every field quoted, quotes doubled, CRLF line ends, a header
// row. No DOM here, so tests/unit/analyst/csv.test.ts runs it in Node.

/**
 * One field. A text a spreadsheet would run as a formula (=, +, -, @, tab or CR first) gets a leading ', as the
 * server's own CSV exports do; numbers stay numbers (-3 is no formula).
 */
export function csvField(value) {
  let text = value === null || value === undefined ? '' : String(value);
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return `"${text.replaceAll('"', '""')}"`;
}

/** header: column names; rows: arrays of values in that order. */
export function toCsv(header, rows) {
  return [header, ...rows].map((r) => r.map(csvField).join(',')).join('\r\n') + '\r\n';
}
