import { MigrationInterface, QueryRunner } from 'typeorm';

export class InitialSchema1763900000000 implements MigrationInterface {
  name = 'InitialSchema1763900000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE conversations (
        id text PRIMARY KEY,
        metadata jsonb NOT NULL DEFAULT '{}'::jsonb,
        tombstoned boolean NOT NULL DEFAULT false,
        last_seq bigint NOT NULL DEFAULT 0,
        version bigint NOT NULL DEFAULT 0,
        message_count bigint NOT NULL DEFAULT 0,
        tombstone_count bigint NOT NULL DEFAULT 0,
        archived_seq bigint NOT NULL DEFAULT 0,
        last_message_at timestamptz,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL
      )`);
    await queryRunner.query(`
      CREATE TABLE messages (
        conversation_id text NOT NULL,
        seq bigint NOT NULL,
        kind text NOT NULL CHECK (kind IN ('message', 'tombstone')),
        version bigint,
        role text,
        parts jsonb,
        metadata jsonb,
        token_count integer,
        producer_id text,
        producer_seq bigint,
        tombstone_reason text,
        event_id uuid NOT NULL,
        inserted_at timestamptz NOT NULL,
        kafka_partition integer NOT NULL,
        kafka_offset bigint NOT NULL,
        PRIMARY KEY (conversation_id, seq)
      )`);
    await queryRunner.query(`
      CREATE TABLE consumer_offsets (
        consumer text NOT NULL,
        topic text NOT NULL,
        partition integer NOT NULL,
        next_offset bigint NOT NULL,
        updated_at timestamptz NOT NULL,
        PRIMARY KEY (consumer, topic, partition)
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE consumer_offsets');
    await queryRunner.query('DROP TABLE messages');
    await queryRunner.query('DROP TABLE conversations');
  }
}
