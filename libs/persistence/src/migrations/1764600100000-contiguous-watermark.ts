import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The contiguous watermark (docs/consistency.md, "Reads"): per conversation the
 * highest seq up to which every seq is settled, and since when a hole below
 * last_seq has been open. The projector keeps both in each chunk's transaction.
 *
 * Backfill: seqs at or below archived_seq count as settled (the archive holds
 * every one of them, and retention only ever trimmed such rows); above it the
 * watermark runs over the consecutive rows that follow. `seq - row_number()` is
 * constant over a run of consecutive seqs, and equals the start exactly for the
 * run that begins right after it.
 */
export class ContiguousWatermark1764600100000 implements MigrationInterface {
  name = 'ContiguousWatermark1764600100000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE conversations
        ADD COLUMN contiguous_seq bigint NOT NULL DEFAULT 0,
        ADD COLUMN hole_since timestamptz NULL,
        ADD COLUMN hole_last_seq bigint NULL`);
    await queryRunner.query(`
      UPDATE conversations AS c SET contiguous_seq = w.contiguous
      FROM (
        SELECT c.id, COALESCE(run.last, start.seq) AS contiguous
        FROM conversations c
        CROSS JOIN LATERAL (SELECT LEAST(c.archived_seq, c.last_seq) AS seq) start
        CROSS JOIN LATERAL (
          SELECT max(r.seq) AS last
          FROM (
            SELECT m.seq, m.seq - row_number() OVER (ORDER BY m.seq) AS base
            FROM messages m
            WHERE m.conversation_id = c.id AND m.seq > start.seq
          ) r
          WHERE r.base = start.seq
        ) run
      ) w
      WHERE c.id = w.id`);
    await queryRunner.query(`
      UPDATE conversations SET hole_since = now(), hole_last_seq = last_seq
      WHERE contiguous_seq < last_seq`);
    await queryRunner.query(
      'CREATE INDEX conversations_open_holes ON conversations (hole_since) WHERE hole_since IS NOT NULL',
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP INDEX conversations_open_holes');
    await queryRunner.query(`
      ALTER TABLE conversations DROP COLUMN hole_last_seq, DROP COLUMN hole_since, DROP COLUMN contiguous_seq`);
  }
}
