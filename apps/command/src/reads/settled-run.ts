/**
 * The entries of a replay page a client may see: the run of consecutive seqs
 * that starts at `from`. A page never crosses a seq that has neither a message
 * nor a tombstone yet, so `stoppedAt` is the first such seq when entries beyond
 * it were found (the page had to stop there), else null.
 */
export function settledRun<T extends { seq: number }>(
  entries: readonly T[],
  from: number,
): { entries: T[]; stoppedAt: number | null } {
  let expected = from;
  for (const [i, entry] of entries.entries()) {
    if (entry.seq !== expected) {
      return { entries: entries.slice(0, i), stoppedAt: expected };
    }
    expected += 1;
  }
  return { entries: [...entries], stoppedAt: null };
}
