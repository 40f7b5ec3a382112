/** One seq the hole settler may tombstone. */
export interface SettleableSeq {
  tenant_id: string;
  conversation_id: string;
  seq: string;
}

/**
 * Seqs that have been missing from the projection for longer than the grace
 * period, oldest hole first: for each conversation whose hole opened before
 * `now() - graceMs` (Postgres clock, the clock that set hole_since), the seqs
 * above contiguous_seq and at most hole_last_seq with neither a message nor a
 * tombstone. Every one of them was already missing, with a later seq projected,
 * when hole_since was set, so its reservation is older than hole_since; none
 * above hole_last_seq (a seq reserved later may still be in flight) and never
 * above last_seq. The open holes are found through their partial index.
 */
export function settleableSeqs(graceMs: number, conversations: number, seqs: number) {
  return {
    sql: `SELECT c.tenant_id, c.id AS conversation_id, s.seq
          FROM (
            SELECT tenant_id, id, contiguous_seq, LEAST(hole_last_seq, last_seq, contiguous_seq + $3) AS upto
            FROM conversations
            WHERE hole_since IS NOT NULL
              AND hole_since < now() - $1::double precision * interval '1 millisecond'
              AND contiguous_seq < last_seq
            ORDER BY hole_since
            LIMIT $2
          ) c
          CROSS JOIN LATERAL generate_series(c.contiguous_seq + 1, c.upto) AS s(seq)
          WHERE NOT EXISTS (SELECT 1 FROM messages m
                            WHERE m.tenant_id = c.tenant_id AND m.conversation_id = c.id AND m.seq = s.seq)
          ORDER BY c.tenant_id, c.id, s.seq
          LIMIT $3`,
    params: [graceMs, conversations, seqs],
  };
}
