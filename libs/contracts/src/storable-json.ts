/**
 * What every part of the system can store, stream and archive: Postgres `jsonb`
 * and `text` refuse NUL characters and unpaired surrogates, JSON has no
 * Infinity or NaN, and a nesting deeper than a few dozen levels is never a
 * conversation but an attack on a recursive parser somewhere downstream.
 *
 * The command refuses such input with a 400 naming the field; every consumer
 * treats an event that breaks the rule as poison (see decodeEvent), so a record
 * produced around the command can never stall a partition.
 */

/** Levels of arrays and objects a request body may nest (the body itself is level 1). */
export const MAX_JSON_NESTING = 64;

/** An event nests its message two levels deeper than the request that carried it. */
export const MAX_EVENT_JSON_NESTING = MAX_JSON_NESTING + 2;

export interface UnstorableJson {
  /** Where the problem is, from the root of the walked value. */
  path: (string | number)[];
  reason: string;
}

interface Pending {
  value: unknown;
  path: (string | number)[];
  depth: number;
}

/**
 * The first value in `root` that cannot be stored, or null. Iterative, so a
 * hostile nesting depth costs a bounded walk and never the call stack.
 */
export function findUnstorableJson(root: unknown, maxNesting = MAX_JSON_NESTING): UnstorableJson | null {
  const stack: Pending[] = [{ value: root, path: [], depth: 0 }];
  while (stack.length > 0) {
    const { value, path, depth } = stack.pop() as Pending;
    if (typeof value === 'string') {
      const reason = unstorableStringReason(value);
      if (reason) {
        return { path, reason };
      }
    } else if (typeof value === 'number') {
      if (!Number.isFinite(value)) {
        return { path, reason: 'numbers must be finite' };
      }
    } else if (value !== null && typeof value === 'object') {
      if (depth + 1 > maxNesting) {
        return { path, reason: `nesting deeper than ${maxNesting} levels` };
      }
      const found = pushChildren(value, path, depth + 1, stack);
      if (found) {
        return found;
      }
    }
  }
  return null;
}

function pushChildren(
  value: object,
  path: (string | number)[],
  depth: number,
  stack: Pending[],
): UnstorableJson | null {
  if (Array.isArray(value)) {
    for (let i = value.length - 1; i >= 0; i -= 1) {
      stack.push({ value: value[i], path: [...path, i], depth });
    }
    return null;
  }
  const keys = Object.keys(value);
  for (let i = keys.length - 1; i >= 0; i -= 1) {
    const key = keys[i];
    const reason = key === '__proto__' ? 'the key __proto__ is not allowed' : unstorableStringReason(key);
    if (reason) {
      return { path: [...path, key], reason: `key: ${reason}` };
    }
    stack.push({ value: (value as Record<string, unknown>)[key], path: [...path, key], depth });
  }
  return null;
}

function unstorableStringReason(value: string): string | null {
  if (value.includes('\u0000')) {
    return 'strings must not contain the NUL character (\\u0000)';
  }
  if (!value.isWellFormed()) {
    return 'strings must be well-formed Unicode (no unpaired surrogate)';
  }
  return null;
}

/** `a.b.0.c`, the way every error message names a field. */
export function formatJsonPath(path: readonly PropertyKey[]): string {
  return path.map(String).join('.');
}
