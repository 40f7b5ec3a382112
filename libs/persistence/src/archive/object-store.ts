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
  /**
   * Everything stored under keys starting with `prefix`, in pages, including the
   * leftovers of interrupted puts (`partial`). The order is unspecified.
   */
  list(prefix: string): AsyncIterable<ListedObject[]>;
  /** Removes the object (or partial leftover) under the key; nothing there is not an error. */
  delete(key: string): Promise<void>;
}

export interface ListedObject {
  /** The key to `get` or `delete` it by. */
  key: string;
  lastModified: Date;
  /** Left over by a put that never completed: not an object, never readable, only deletable. */
  partial: boolean;
}

/** Nest injection token of the service's ObjectStore. */
export const OBJECT_STORE = Symbol('OBJECT_STORE');
