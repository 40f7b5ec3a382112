/** Per conversation, the run of consecutive seqs a chunk writes from its lowest seq on. */
export interface ChunkRuns {
  ids: string[];
  /** The lowest seq the chunk writes for the conversation. */
  from: number[];
  /** The end of the run of consecutive seqs that starts at `from`. */
  to: number[];
}

/**
 * The runs that let the watermark jump over a chunk's own rows instead of walking
 * them one by one: when a conversation's watermark + 1 falls inside its run, every
 * seq up to the run's end now has a row (the chunk's, or an earlier event's that won).
 */
export function chunkRuns(rows: ReadonlyArray<{ conversationId: string; seq: number }>): ChunkRuns {
  const seqs = new Map<string, number[]>();
  for (const { conversationId, seq } of rows) {
    const list = seqs.get(conversationId);
    if (list) {
      list.push(seq);
    } else {
      seqs.set(conversationId, [seq]);
    }
  }
  const runs: ChunkRuns = { ids: [], from: [], to: [] };
  for (const [id, list] of seqs) {
    list.sort((a, b) => a - b);
    let to = list[0];
    for (const seq of list) {
      if (seq > to + 1) {
        break;
      }
      to = Math.max(to, seq);
    }
    runs.ids.push(id);
    runs.from.push(list[0]);
    runs.to.push(to);
  }
  return runs;
}
