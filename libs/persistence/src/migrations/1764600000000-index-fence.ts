import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The fence rule (docs/events.md rule 6): a consumer's position in a partition is
 * its next offset and the partition's index fence at that offset, stored together
 * so a restart applies the fence exactly where it left off. Rows written before
 * any fence record existed hold fence 0, which is what they had.
 */
export class IndexFence1764600000000 implements MigrationInterface {
  name = 'IndexFence1764600000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE consumer_offsets ADD COLUMN index_fence bigint NOT NULL DEFAULT 0');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE consumer_offsets DROP COLUMN index_fence');
  }
}
