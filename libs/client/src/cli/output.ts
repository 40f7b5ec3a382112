/** How results are printed: JSON lines (`--json`, or stdout not a terminal) or tables for people. */
export class Output {
  constructor(
    readonly json: boolean,
    private readonly write: (text: string) => void = (text) => void process.stdout.write(text),
  ) {}

  /** One record: a JSON line, or `key  value` lines. */
  record(value: object): void {
    if (this.json) {
      this.line(value);
      return;
    }
    const entries = Object.entries(value);
    const width = Math.max(...entries.map(([key]) => key.length));
    for (const [key, field] of entries) {
      this.write(`${key.padEnd(width)}  ${cell(field)}\n`);
    }
  }

  /** Rows: a JSON line each, or a table of the given columns. */
  rows(rows: object[], columns: string[]): void {
    if (this.json) {
      rows.forEach((row) => this.line(row));
      return;
    }
    const cells = rows.map((row) => columns.map((column) => cell((row as Record<string, unknown>)[column])));
    const widths = columns.map((column, i) => Math.max(column.length, ...cells.map((row) => row[i].length)));
    const format = (values: string[]) =>
      `${values
        .map((v, i) => v.padEnd(widths[i]))
        .join('  ')
        .trimEnd()}\n`;
    this.write(format(columns.map((c) => c.toUpperCase())));
    cells.forEach((row) => this.write(format(row)));
  }

  line(value: unknown): void {
    this.write(`${JSON.stringify(value)}\n`);
  }

  text(value: string): void {
    this.write(`${value}\n`);
  }
}

function cell(value: unknown): string {
  if (value === null || value === undefined) {
    return '-';
  }
  return typeof value === 'string' ? value : JSON.stringify(value);
}
