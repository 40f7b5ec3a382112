/**
 * JSON text with every object's keys sorted (by UTF-16 code units), otherwise as
 * JSON.stringify writes it: strings escaped the same way, numbers in their
 * shortest round-trip form. Two values with the same canonical text are the
 * same JSON value, whatever order their keys came in. Own keys named
 * `__proto__` are kept like any other key.
 */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) {
    return `[${value.map(canonicalJson).join(',')}]`;
  }
  if (value !== null && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    const keys = Object.keys(record).sort();
    return `{${keys.map((key) => `${JSON.stringify(key)}:${canonicalJson(record[key])}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** Where two texts first differ, with some context of each; null when they are equal. */
export function firstDifference(actual: string, expected: string): string | null {
  if (actual === expected) {
    return null;
  }
  let i = 0;
  while (i < actual.length && i < expected.length && actual[i] === expected[i]) {
    i += 1;
  }
  const around = (text: string) => JSON.stringify(text.slice(Math.max(0, i - 60), i + 60));
  return `differ at char ${i}: got ${around(actual)}, sent ${around(expected)}`;
}
