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

/** A problem found below a value; its path is built leaf first while the walk unwinds. */
interface Found {
  reversedPath: (string | number)[];
  reason: string;
}

/**
 * The first value in `root` (document order) that cannot be stored, or null.
 * The walk never goes deeper than `maxNesting`, so a hostile depth costs a
 * bounded recursion, and it allocates nothing unless it finds a problem: it runs
 * on every request body and on every event every consumer decodes.
 */
export function findUnstorableJson(root: unknown, maxNesting = MAX_JSON_NESTING): UnstorableJson | null {
  const found = visit(root, 0, maxNesting);
  return found && { path: found.reversedPath.reverse(), reason: found.reason };
}

function visit(value: unknown, depth: number, maxNesting: number): Found | null {
  if (typeof value === 'string') {
    const reason = unstorableStringReason(value);
    return reason ? { reversedPath: [], reason } : null;
  }
  if (typeof value === 'number') {
    return Number.isFinite(value) ? null : { reversedPath: [], reason: 'numbers must be finite' };
  }
  if (value === null || typeof value !== 'object') {
    return null;
  }
  if (depth + 1 > maxNesting) {
    return { reversedPath: [], reason: `nesting deeper than ${maxNesting} levels` };
  }
  return Array.isArray(value) ? visitArray(value, depth + 1, maxNesting) : visitObject(value, depth + 1, maxNesting);
}

function visitArray(values: readonly unknown[], depth: number, maxNesting: number): Found | null {
  for (let i = 0; i < values.length; i += 1) {
    const found = visit(values[i], depth, maxNesting);
    if (found) {
      found.reversedPath.push(i);
      return found;
    }
  }
  return null;
}

function visitObject(object: object, depth: number, maxNesting: number): Found | null {
  for (const key in object) {
    if (!Object.hasOwn(object, key)) {
      continue;
    }
    const keyReason = key === '__proto__' ? 'the key __proto__ is not allowed' : unstorableStringReason(key);
    const found = keyReason
      ? { reversedPath: [], reason: `key: ${keyReason}` }
      : visit((object as Record<string, unknown>)[key], depth, maxNesting);
    if (found) {
      found.reversedPath.push(key);
      return found;
    }
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
