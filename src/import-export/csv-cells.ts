// Cells of the CSV files this API writes and reads, made safe for spreadsheets (OWASP "CSV
// Injection"): a spreadsheet runs a cell that starts with =, +, -, @, tab or CR as a formula, so the
// export writes such a cell with a leading single quote (which spreadsheets take as "this is text"),
// and the importers take that quote off again, so an exported file imports back unchanged.
//
// Deliberate exceptions and edge cases:
// - A plain decimal number ("-5", "-0.25") is data, not a formula, and is written as it is, so a
//   negative amount stays a number in a spreadsheet. Numeric columns are written from numbers anyway.
// - A phone number "+447700900001" is text that a spreadsheet would turn into a number (losing the
//   +), and "+44 7700 900001" would be a formula: both are quoted, and read back without the quote.
// - A value that itself starts with quotes before one of those characters ("'=x") gets one more
//   quote, so reading it back (one quote off) gives it exactly.

/** Starts a formula in a spreadsheet, after any quotes already there. */
const FORMULA_START = /^'*[=+\-@\t\r]/;
const PLAIN_NUMBER = /^-?\d+(\.\d+)?$/;
/** A cell quoted by `neutraliseCell`. */
const QUOTED = /^'+[=+\-@\t\r]/;

/** The text of a cell as exported: quoted when a spreadsheet would run it. */
export function neutraliseCell(text: string): string {
  return FORMULA_START.test(text) && !PLAIN_NUMBER.test(text) ? `'${text}` : text;
}

/** The value of an imported cell: the quote `neutraliseCell` added, taken off. */
export function restoreCell(text: string): string {
  return QUOTED.test(text) ? text.slice(1) : text;
}
