import { MigrationInterface, QueryRunner } from 'typeorm';
import { messageRowContentHash } from '../producer-pairs/message-row-hash';

interface PairSqlRow {
  conversation_id: string;
  seq: string;
  role: string;
  parts: unknown[];
  metadata: Record<string, unknown> | null;
  token_count: number | null;
  producer_id: string;
  producer_seq: string;
}

const BACKFILL_BATCH = 1000;

/**
 * Producer pairs kept durably by the projector (docs/consistency.md, "Producer
 * pairs and retries"): the seq and content hash of every message that won its
 * seq with a producer pair. Never trimmed by retention. Backfilled from the
 * message rows Postgres still holds, hashed in JS exactly as the command hashes
 * the body it produces.
 */
export class ProducerPairs1764600200000 implements MigrationInterface {
  name = 'ProducerPairs1764600200000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE producer_pairs (
        conversation_id text NOT NULL,
        producer_id text NOT NULL,
        producer_seq bigint NOT NULL,
        seq bigint NOT NULL,
        content_hash text NOT NULL,
        PRIMARY KEY (conversation_id, producer_id, producer_seq)
      )`);
    let after: [string, string] = ['', '0'];
    for (;;) {
      const rows = (await queryRunner.query(
        `SELECT conversation_id, seq, role, parts, metadata, token_count, producer_id, producer_seq
         FROM messages
         WHERE kind = 'message' AND producer_id IS NOT NULL AND (conversation_id, seq) > ($1, $2::bigint)
         ORDER BY conversation_id, seq
         LIMIT $3`,
        [after[0], after[1], BACKFILL_BATCH],
      )) as PairSqlRow[];
      if (rows.length === 0) {
        return;
      }
      await queryRunner.query(
        `INSERT INTO producer_pairs (conversation_id, producer_id, producer_seq, seq, content_hash)
         SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::bigint[], $5::text[])
         ON CONFLICT DO NOTHING`,
        [
          rows.map((r) => r.conversation_id),
          rows.map((r) => r.producer_id),
          rows.map((r) => r.producer_seq),
          rows.map((r) => r.seq),
          rows.map((r) => messageRowContentHash({ ...r, tokenCount: r.token_count })),
        ],
      );
      const last = rows[rows.length - 1];
      after = [last.conversation_id, last.seq];
    }
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE producer_pairs');
  }
}
