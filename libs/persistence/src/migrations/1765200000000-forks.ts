import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Forks (docs/api.md, "Forks"): a conversation names the parent it was forked
 * from and the parent's seq it copies through; the index serves the parent's
 * list of forks, newest last, by (created_at, id).
 */
export class Forks1765200000000 implements MigrationInterface {
  name = 'Forks1765200000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE conversations
        ADD COLUMN parent_conversation_id text,
        ADD COLUMN forked_at_seq bigint
    `);
    await queryRunner.query(`
      CREATE INDEX conversations_forks_idx ON conversations (tenant_id, parent_conversation_id, created_at, id)
        WHERE parent_conversation_id IS NOT NULL
    `);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX conversations_forks_idx`);
    await queryRunner.query(`
      ALTER TABLE conversations DROP COLUMN forked_at_seq, DROP COLUMN parent_conversation_id
    `);
  }
}
