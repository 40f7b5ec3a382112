import { Pool } from 'pg';
import { eventually } from '../../support/service-process';
import { readHeads } from '../../faults/support/settle';

/** How long the projection and the archive get to reach the heads read now (hole grace 19 s included). */
const KEEP_UP_MS = 90_000;

/**
 * Reads each conversation's head now and waits until the projection holds every seq up to it and the archive
 * reached it, while the fault holds: consumers must not wait for a lost broker. Returns a violation when they
 * did not within KEEP_UP_MS, naming how far each got.
 */
export async function consumersKeepUp(
  commandUrls: string[],
  db: Pool,
  ids: string[],
  during: string,
): Promise<{ violations: string[]; tookMs: number }> {
  const heads = await readHeads(commandUrls, ids);
  const started = performance.now();
  const progress = async () => {
    const { rows } = await db.query<{ id: string; last_seq: string; archived_seq: string; rows: string }>(
      `SELECT c.id, c.last_seq, c.archived_seq, (SELECT count(*) FROM messages m WHERE m.conversation_id = c.id) AS rows
       FROM conversations c WHERE c.id = ANY($1)`,
      [ids],
    );
    return rows;
  };
  type Row = Awaited<ReturnType<typeof progress>>[number];
  const rowCaughtUp = (r: Row) => {
    const head = heads.get(r.id) ?? 0;
    return Number(r.rows) >= head && Number(r.last_seq) >= head && Number(r.archived_seq) >= head;
  };
  const caughtUp = (rows: Row[]) => rows.length === ids.length && rows.every(rowCaughtUp);
  try {
    await eventually(
      `projection and archive at the heads ${during}`,
      async () => caughtUp(await progress()),
      KEEP_UP_MS,
      250,
    );
    return { violations: [], tookMs: performance.now() - started };
  } catch {
    const rows = await progress();
    const behind = rows
      .filter((r) => !rowCaughtUp(r))
      .map((r) => `${r.id} head ${heads.get(r.id)}: ${r.rows} rows, archived to ${r.archived_seq}`);
    return {
      violations: [`${during}, the consumers did not reach the heads in ${KEEP_UP_MS / 1000} s: ${behind.join('; ')}`],
      tookMs: performance.now() - started,
    };
  }
}
