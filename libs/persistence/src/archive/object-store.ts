/**
 * Where archive segments live: a flat key space of immutable objects. A put is
 * atomic (an object is either absent or complete) and idempotent for the same
 * bytes; the archiver only ever rewrites a key with identical content.
 */
export interface ObjectStore {
  /** Human-readable location, for logs and readiness details. */
  readonly location: string;
  put(key: string, bytes: Buffer): Promise<void>;
  /** Null when there is no object under the key. */
  get(key: string): Promise<Buffer | null>;
  exists(key: string): Promise<boolean>;
  /** Throws when the store cannot be read and written right now. */
  ping(): Promise<void>;
}

/** Nest injection token of the service's ObjectStore. */
export const OBJECT_STORE = Symbol('OBJECT_STORE');
