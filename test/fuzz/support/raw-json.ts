/**
 * JSON request bodies as text, including what JSON.stringify never writes:
 * duplicate keys, number literals that do not fit a double (`1e400`), nesting
 * thousands of levels deep. A body is a tree rendered by `renderJson`.
 */

/** Text spliced into the body as it is (a number literal, a deep nesting). */
export class RawText {
  constructor(readonly text: string) {}
}

/** An object as a list of members: keys may repeat, and `__proto__` is an ordinary key. */
export class Members {
  constructor(readonly members: readonly (readonly [string, JsonTree])[]) {}
}

export type JsonTree = null | boolean | number | string | RawText | Members | readonly JsonTree[];

export function renderJson(tree: JsonTree): string {
  if (tree instanceof RawText) {
    return tree.text;
  }
  if (tree instanceof Members) {
    return `{${tree.members.map(([key, value]) => `${JSON.stringify(key)}:${renderJson(value)}`).join(',')}}`;
  }
  if (Array.isArray(tree)) {
    return `[${tree.map(renderJson).join(',')}]`;
  }
  return JSON.stringify(tree);
}

/** `{"k": v, ...}` from a plain record (keys once each, in this order). */
export function members(record: Record<string, JsonTree>): Members {
  return new Members(Object.entries(record));
}

/** `[[[ ... ]]]`, `depth` arrays deep. */
export function nestedArrays(depth: number): RawText {
  return new RawText(`${'['.repeat(depth)}${']'.repeat(depth)}`);
}

/** `{"a":{"a": ... 1 ...}}`, `depth` objects deep. */
export function nestedObjects(depth: number): RawText {
  return new RawText(`${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`);
}

/** Literals JSON allows that JavaScript cannot hold as they are: JSON.parse makes them ±Infinity or rounds them. */
export const NON_FINITE_LITERALS = ['1e400', '-1e400', '1E+999', '-9.9e9999'];
export const HUGE_LITERALS = ['12345678901234567890123', '-98765432109876543210', '1e-400', '-0', '0.1e1', '1.000'];
