/**
 * SQLSTATE classes Postgres answers when it refuses the data itself, so retrying
 * the same rows can never succeed: 22 data exception (invalid text or JSON, NUL,
 * out-of-range numbers and dates), 23 integrity constraint violation, 54 program
 * limit exceeded. Everything else (connection loss, shutdown, serialization) is
 * an outage the projector waits out.
 */
const DATA_ERROR_CLASSES = new Set(['22', '23', '54']);

export function isDataError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.length === 5 && DATA_ERROR_CLASSES.has(code.slice(0, 2));
}
