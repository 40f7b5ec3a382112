import type { EntityManager } from 'typeorm';

/** One SQL statement with its parameters. */
export interface Statement {
  sql: string;
  params: unknown[];
}

/** A consumer's position in one partition, as stored in `consumer_offsets` with the consumer's own writes. */
export interface OffsetKey {
  consumer: string;
  topic: string;
  partition: number;
}

/** What lockOffset and readPosition return (bigints come back from pg as strings): read it with storedPosition. */
export interface StoredOffsetRow {
  next_offset: string;
  index_fence: string;
}

/** A consumer's position in a partition: its next offset and the partition's fence there (docs/events.md rule 6). */
export interface StoredPosition {
  nextOffset: number;
  indexFence: number;
}

/**
 * Locks the partition's offset row and returns its next offset and the fence that
 * holds there. The upsert (not a plain SELECT ... FOR UPDATE) also locks when no
 * row exists yet, so two instances writing the same partition during a hand-over
 * never run side by side.
 */
export function lockOffset(key: OffsetKey): Statement {
  return {
    sql: `INSERT INTO consumer_offsets (consumer, topic, partition, next_offset, index_fence, updated_at)
          VALUES ($1, $2, $3, 0, 0, now())
          ON CONFLICT (consumer, topic, partition) DO UPDATE SET next_offset = consumer_offsets.next_offset
          RETURNING next_offset, index_fence`,
    params: [key.consumer, key.topic, key.partition],
  };
}

export function storedPosition(row: StoredOffsetRow): StoredPosition {
  return { nextOffset: Number(row.next_offset), indexFence: Number(row.index_fence) };
}

/** Stores the position after a chunk: its next offset and the partition's fence after the chunk's records. */
export function storeOffset(key: OffsetKey, position: StoredPosition): Statement {
  return {
    sql: `UPDATE consumer_offsets SET next_offset = $4, index_fence = $5, updated_at = now()
          WHERE consumer = $1 AND topic = $2 AND partition = $3`,
    params: [key.consumer, key.topic, key.partition, position.nextOffset, position.indexFence],
  };
}

/**
 * Moves the partition's position from `from` to `to` only if it still is `from`, taking the
 * row's lock like lockOffset: one row updated when claimed, none when another transaction
 * moved the position since (a hand-over, lost commits) or no row exists. Under READ COMMITTED
 * a claim that waited for the lock checks the row as the other transaction left it.
 */
export function claimOffset(key: OffsetKey, from: StoredPosition, to: StoredPosition): Statement {
  return {
    sql: `UPDATE consumer_offsets SET next_offset = $6, index_fence = $7, updated_at = now()
          WHERE consumer = $1 AND topic = $2 AND partition = $3 AND next_offset = $4 AND index_fence = $5`,
    params: [key.consumer, key.topic, key.partition, from.nextOffset, from.indexFence, to.nextOffset, to.indexFence],
  };
}

/** Reads a consumer's stored position in a partition without locking it (none: no row). */
export function readPosition(key: OffsetKey): Statement {
  return {
    sql: `SELECT next_offset, index_fence FROM consumer_offsets WHERE consumer = $1 AND topic = $2 AND partition = $3`,
    params: [key.consumer, key.topic, key.partition],
  };
}

export function runStatement<T = unknown>(tx: EntityManager, statement: Statement): Promise<T> {
  return tx.query<T>(statement.sql, statement.params);
}
