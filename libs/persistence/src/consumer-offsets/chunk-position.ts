import type { EntityManager } from 'typeorm';
import {
  lockOffset,
  OffsetKey,
  runStatement,
  StoredOffsetRow,
  StoredPosition,
  storedPosition,
} from './offset-statements';

/** The offsets of a chunk of one partition's records, as a consumer that stores its position in Postgres writes it. */
export interface ChunkOffsets {
  /** First offset of the chunk. */
  startOffset: number;
  /** Last offset of the chunk + 1. */
  endOffset: number;
  /** Write although the chunk starts above this stored offset (the records between are gone: topic retention). */
  acceptGapAfter?: number;
}

/**
 * What to do with a chunk, decided under the partition's lock:
 * - written: an earlier transaction (a replay after a crash, another instance before a rebalance) covered it;
 * - behind: Postgres is behind the chunk (lost commits): go back to the stored offset;
 * - write: write it, from `stored` (its next offset and fence).
 */
export type ChunkPosition = { kind: 'written' | 'behind' | 'write'; stored: StoredPosition };

/** Locks the partition's stored position for this transaction and decides what the chunk needs. */
export async function lockChunkPosition(
  tx: EntityManager,
  key: OffsetKey,
  chunk: ChunkOffsets,
): Promise<ChunkPosition> {
  const [locked] = await runStatement<StoredOffsetRow[]>(tx, lockOffset(key));
  const stored = storedPosition(locked);
  if (chunk.endOffset <= stored.nextOffset) {
    return { kind: 'written', stored };
  }
  if (chunk.startOffset > stored.nextOffset && chunk.acceptGapAfter !== stored.nextOffset) {
    return { kind: 'behind', stored };
  }
  return { kind: 'write', stored };
}
