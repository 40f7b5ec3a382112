import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Agents reached by signed webhooks (docs/agents.md), per tenant, and the
 * participants of each conversation as the projector last saw them.
 * Signing secrets are stored encrypted (AES-256-GCM under AGENT_SECRETS_KEY): the
 * dispatcher needs them to sign, so a one-way hash cannot do.
 */
export class Agents1764900000000 implements MigrationInterface {
  name = 'Agents1764900000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE agents (
        tenant_id text NOT NULL,
        id text NOT NULL,
        name text,
        webhook_url text NOT NULL,
        headers jsonb NOT NULL DEFAULT '{}'::jsonb,
        timeout_ms integer NOT NULL,
        max_attempts integer NOT NULL,
        history_mode text NOT NULL,
        history_limit integer,
        debounce_ms integer NOT NULL,
        status text NOT NULL,
        signing_secret text NOT NULL,
        previous_signing_secret text,
        previous_secret_expires_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, id),
        CONSTRAINT agents_status CHECK (status IN ('enabled', 'disabled')),
        CONSTRAINT agents_history_mode CHECK (history_mode IN ('none', 'tail', 'entire'))
      )`);
    await queryRunner.query(`
      CREATE TABLE conversation_participants (
        tenant_id text NOT NULL,
        conversation_id text NOT NULL,
        participant_id text NOT NULL,
        kind text NOT NULL,
        added_at timestamptz NOT NULL,
        PRIMARY KEY (tenant_id, conversation_id, participant_id),
        CONSTRAINT conversation_participants_kind CHECK (kind IN ('user', 'agent', 'system'))
      )`);
    await queryRunner.query(
      'CREATE INDEX conversation_participants_by_participant ON conversation_participants (tenant_id, participant_id)',
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE conversation_participants');
    await queryRunner.query('DROP TABLE agents');
  }
}
