/**
 * The most bytes of record values one produce request carries. Kafka refuses a
 * partition's record batch above the topic's max.message.bytes (1 MiB by
 * default) and fails the whole request with it, so a group commit of several
 * large records (256 KiB messages, run batches) must not add up past it.
 */
export const MAX_PRODUCE_REQUEST_BYTES = 900 * 1024;

/**
 * How many records from the head of the queue go into the next produce request:
 * at most `maxCount`, and no more bytes than `maxBytes` unless the first record
 * alone is larger (it is sent by itself).
 */
export function produceBatchLength(sizes: readonly number[], maxCount: number, maxBytes: number): number {
  let bytes = 0;
  let count = 0;
  for (const size of sizes.slice(0, maxCount)) {
    if (count > 0 && bytes + size > maxBytes) {
      break;
    }
    bytes += size;
    count += 1;
  }
  return count;
}
