import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Runs (docs/runs.md): an agent's reply streamed as events, then committed as a
 * message. The projector writes both tables from the runs topic, in the chunk's
 * transaction with its position there (exactly once in effect); the command and
 * realtime read them. A finished run's events are deleted after
 * RUN_EVENTS_RETENTION_MS; the run row stays.
 */
export class Runs1765000000000 implements MigrationInterface {
  name = 'Runs1765000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE runs (
        tenant_id text NOT NULL,
        run_id text NOT NULL,
        conversation_id text NOT NULL,
        status text NOT NULL,
        actor text NOT NULL,
        parent_seq bigint,
        metadata jsonb NOT NULL DEFAULT '{}'::jsonb,
        last_run_seq bigint NOT NULL DEFAULT 0,
        reason text,
        error_message text,
        message_seqs bigint[] NOT NULL DEFAULT '{}',
        created_at timestamptz NOT NULL,
        finished_at timestamptz,
        events_deleted_at timestamptz,
        PRIMARY KEY (tenant_id, run_id),
        CONSTRAINT runs_status CHECK (status IN ('streaming', 'committed', 'failed', 'cancelled')),
        CONSTRAINT runs_last_run_seq CHECK (last_run_seq >= 0)
      )`);
    await queryRunner.query(
      'CREATE INDEX runs_by_conversation ON runs (tenant_id, conversation_id, created_at, run_id)',
    );
    await queryRunner.query(
      'CREATE INDEX runs_events_to_delete ON runs (finished_at) WHERE finished_at IS NOT NULL AND events_deleted_at IS NULL',
    );
    await queryRunner.query(`
      CREATE TABLE run_events (
        tenant_id text NOT NULL,
        run_id text NOT NULL,
        run_seq bigint NOT NULL,
        kind text NOT NULL,
        body jsonb NOT NULL,
        created_at timestamptz NOT NULL,
        PRIMARY KEY (tenant_id, run_id, run_seq),
        CONSTRAINT run_events_run_seq CHECK (run_seq >= 1)
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE run_events');
    await queryRunner.query('DROP TABLE runs');
  }
}
