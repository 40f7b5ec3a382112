import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The dispatcher's state (docs/agents.md): which agents take part in which
 * conversation (from the topic), every delivery of messages to an agent's
 * webhook, and every attempt of each. Written by the dispatcher in the same
 * transaction as its Kafka position; read, redelivered and replied to through the command.
 */
export class Deliveries1764910000000 implements MigrationInterface {
  name = 'Deliveries1764910000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE dispatch_participants (
        tenant_id text NOT NULL,
        conversation_id text NOT NULL,
        agent_id text NOT NULL,
        PRIMARY KEY (tenant_id, conversation_id, agent_id)
      )`);
    await queryRunner.query(`
      CREATE TABLE deliveries (
        id uuid PRIMARY KEY,
        tenant_id text NOT NULL,
        agent_id text NOT NULL,
        conversation_id text NOT NULL,
        first_seq bigint NOT NULL,
        last_seq bigint NOT NULL,
        messages jsonb NOT NULL,
        status text NOT NULL,
        attempts integer NOT NULL DEFAULT 0,
        attempts_allowed integer NOT NULL,
        next_attempt_at timestamptz NOT NULL,
        last_error text,
        reply jsonb,
        reply_appended_at timestamptz,
        dead_lettered_at timestamptz,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        completed_at timestamptz,
        CONSTRAINT deliveries_status CHECK (status IN ('pending', 'replying', 'succeeded', 'failed', 'dead')),
        CONSTRAINT deliveries_seqs CHECK (first_seq >= 1 AND last_seq >= first_seq)
      )`);
    await queryRunner.query(
      'CREATE INDEX deliveries_by_agent ON deliveries (tenant_id, agent_id, created_at DESC, id)',
    );
    await queryRunner.query(
      'CREATE INDEX deliveries_by_pair ON deliveries (tenant_id, conversation_id, agent_id, first_seq)',
    );
    await queryRunner.query(
      "CREATE INDEX deliveries_due ON deliveries (next_attempt_at) WHERE status IN ('pending', 'replying')",
    );
    await queryRunner.query(`
      CREATE TABLE delivery_attempts (
        delivery_id uuid NOT NULL REFERENCES deliveries (id) ON DELETE CASCADE,
        attempt integer NOT NULL,
        started_at timestamptz NOT NULL,
        duration_ms integer NOT NULL,
        http_status integer,
        response_excerpt text,
        error text,
        PRIMARY KEY (delivery_id, attempt)
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE delivery_attempts');
    await queryRunner.query('DROP TABLE deliveries');
    await queryRunner.query('DROP TABLE dispatch_participants');
  }
}
