import { conversationKey } from '@threadline/contracts';

/** Per conversation (tenant and id), the run of consecutive seqs a chunk writes from its lowest seq on. */
export interface ChunkRuns {
  tenantIds: string[];
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
export function chunkRuns(rows: ReadonlyArray<{ tenantId: string; conversationId: string; seq: number }>): ChunkRuns {
  const seqs = new Map<string, { tenantId: string; id: string; list: number[] }>();
  for (const { tenantId, conversationId, seq } of rows) {
    const key = conversationKey({ tenantId, conversationId });
    const entry = seqs.get(key);
    if (entry) {
      entry.list.push(seq);
    } else {
      seqs.set(key, { tenantId, id: conversationId, list: [seq] });
    }
  }
  const runs: ChunkRuns = { tenantIds: [], ids: [], from: [], to: [] };
  for (const { tenantId, id, list } of seqs.values()) {
    list.sort((a, b) => a - b);
    let to = list[0];
    for (const seq of list) {
      if (seq > to + 1) {
        break;
      }
      to = Math.max(to, seq);
    }
    runs.tenantIds.push(tenantId);
    runs.ids.push(id);
    runs.from.push(list[0]);
    runs.to.push(to);
  }
  return runs;
}
