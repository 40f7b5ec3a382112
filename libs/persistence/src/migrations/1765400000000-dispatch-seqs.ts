import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The seqs the dispatcher has seen per conversation (docs/agents.md, "Order"): every seq up to
 * `contiguous_seq`, and the seqs in `ahead` above it (events that reached the topic before a lower seq did).
 * A delivery is attempted only once every seq up to its last is seen, and a seq seen once is never delivered
 * again (the first event for it won). Written by the dispatcher with its Kafka position.
 */
export class DispatchSeqs1765400000000 implements MigrationInterface {
  name = 'DispatchSeqs1765400000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE dispatch_seqs (
        tenant_id text NOT NULL,
        conversation_id text NOT NULL,
        contiguous_seq bigint NOT NULL,
        ahead bigint[] NOT NULL DEFAULT '{}',
        PRIMARY KEY (tenant_id, conversation_id)
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE dispatch_seqs');
  }
}
