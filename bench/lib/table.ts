export type Cell = string | number;

/** A plain-text table: text columns left-aligned, numeric ones right-aligned. */
export function renderTable(headers: readonly string[], rows: readonly (readonly Cell[])[]): string {
  const text = rows.map((row) => row.map(String));
  const widths = headers.map((header, i) => Math.max(header.length, ...text.map((row) => (row[i] ?? '').length)));
  const numeric = headers.map((_, i) => rows.every((row) => typeof row[i] === 'number' || isNumeric(row[i])));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, i) => (numeric[i] ? cell.padStart(widths[i]) : cell.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...text.map(line)].join('\n');
}

function isNumeric(cell: Cell | undefined): boolean {
  return typeof cell === 'string' && /^[-+]?[\d.,]+[a-z×x%]*$/i.test(cell);
}

/** A number with a fixed count of decimals below 10, fewer above (1.234, 12.3, 1234). */
export function fmt(value: number): string {
  if (!Number.isFinite(value)) {
    return '-';
  }
  const abs = Math.abs(value);
  const decimals = abs >= 1000 ? 0 : abs >= 100 ? 1 : abs >= 10 ? 1 : 2;
  return value.toFixed(decimals);
}

/** A ratio as `1.23x`. */
export function ratio(ours: number, reference: number): string {
  return reference > 0 ? `${(ours / reference).toFixed(2)}x` : '-';
}
