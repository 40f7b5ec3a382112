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

/**
 * Locks the partition's offset row and returns its next offset. The upsert (not a
 * plain SELECT ... FOR UPDATE) also locks when no row exists yet, so two instances
 * writing the same partition during a hand-over never run side by side.
 */
export function lockOffset(key: OffsetKey): Statement {
  return {
    sql: `INSERT INTO consumer_offsets (consumer, topic, partition, next_offset, updated_at)
          VALUES ($1, $2, $3, 0, now())
          ON CONFLICT (consumer, topic, partition) DO UPDATE SET next_offset = consumer_offsets.next_offset
          RETURNING next_offset`,
    params: [key.consumer, key.topic, key.partition],
  };
}

export function storeOffset(key: OffsetKey, nextOffset: number): Statement {
  return {
    sql: `UPDATE consumer_offsets SET next_offset = $4, updated_at = now()
          WHERE consumer = $1 AND topic = $2 AND partition = $3`,
    params: [key.consumer, key.topic, key.partition, nextOffset],
  };
}

export function runStatement<T = unknown>(tx: EntityManager, statement: Statement): Promise<T> {
  return tx.query<T>(statement.sql, statement.params);
}
