import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The runs still streaming, oldest first: what the command's idle sweep reads to
 * end runs the run index lost (docs/runs.md, "Losing the run index"). Few rows:
 * a run leaves it when it ends.
 */
export class StreamingRuns1765300000000 implements MigrationInterface {
  name = 'StreamingRuns1765300000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE INDEX runs_streaming_idx ON runs (created_at, tenant_id, run_id) WHERE status = 'streaming'`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX runs_streaming_idx`);
  }
}
