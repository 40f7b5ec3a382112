import type { Client, QueryResult } from 'pg';
import type { DataSource } from 'typeorm';
import { Statement } from '@threadline/persistence';

/**
 * Runs a transaction whose statements need nothing from each other's results in
 * two round trips instead of one per statement: `BEGIN`, the claim and the
 * statements go out together on a pipelined connection (pg's `pipeline` mode, on
 * for the projector's pool) in one socket write (the socket is corked while they
 * are queued: a write costs more CPU than the whole statement's encoding), and
 * once their answers are in, `COMMIT` if the claim updated exactly one row,
 * `ROLLBACK` if it updated none (nothing is written) or any statement failed. The claim goes first, so it takes its row lock before
 * anything else is written, as a locking transaction does.
 *
 * Resolves true when committed, false when the claim was refused; rejects with
 * the first statement's error (the ones after it only say the transaction is
 * aborted), or when the connection fails (then the outcome of a COMMIT in flight
 * is unknown and the caller must read the stored position again).
 */
export async function runClaimedTransaction(
  dataSource: DataSource,
  claim: Statement,
  statements: readonly Statement[],
): Promise<boolean> {
  const runner = dataSource.createQueryRunner();
  try {
    const client = (await runner.connect()) as Client;
    const answers = await Promise.allSettled(sendTogether(client, [claim, ...statements]));
    const failed = answers.find((answer): answer is PromiseRejectedResult => answer.status === 'rejected');
    if (failed || !isClaimed(answers[1])) {
      await client.query('ROLLBACK');
      if (failed) {
        throw failed.reason;
      }
      return false;
    }
    await client.query('COMMIT');
    return true;
  } finally {
    await runner.release();
  }
}

/** Queues BEGIN and the statements while the socket is corked: they leave in one write. */
function sendTogether(client: Client, statements: readonly Statement[]): Array<Promise<QueryResult>> {
  const socket = client.connection.stream;
  socket.cork();
  try {
    return [client.query('BEGIN'), ...statements.map((statement) => client.query(statement.sql, statement.params))];
  } finally {
    socket.uncork();
  }
}

function isClaimed(answer: PromiseSettledResult<QueryResult>): boolean {
  return answer.status === 'fulfilled' && answer.value.rowCount === 1;
}
