import { Statement } from '@threadline/persistence';

/** The archived_seq of each of `ids` that has a row. */
export function archivedSeqsOf(ids: readonly string[]): Statement {
  return {
    sql: 'SELECT id, archived_seq FROM conversations WHERE id = ANY($1::text[])',
    params: [ids],
  };
}

/**
 * One page of the sweep over every conversation, in id order after `after`: each
 * id, and whether its archived_seq is below its last_seq. A primary-key range
 * scan, so a pass costs the page, not the table.
 */
export function sweepPage(after: string, limit: number): Statement {
  return {
    sql: `SELECT id, archived_seq < last_seq AS behind FROM conversations
          WHERE id > $1 ORDER BY id LIMIT $2`,
    params: [after, limit],
  };
}
