import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Topic records a consumer could not apply (the poison rule in
 * docs/events.md), kept with their raw bytes so an operator can inspect and
 * re-apply them (docs/operations.md). One row per consumer and offset: a
 * replayed chunk quarantines nothing twice.
 */
export class QuarantinedRecords1764500000000 implements MigrationInterface {
  name = 'QuarantinedRecords1764500000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE quarantined_records (
        id bigserial PRIMARY KEY,
        consumer text NOT NULL,
        topic text NOT NULL,
        partition integer NOT NULL,
        kafka_offset bigint NOT NULL,
        record_key bytea,
        record_value bytea,
        reason text NOT NULL,
        conversation_id text,
        seq bigint,
        quarantined_at timestamptz NOT NULL DEFAULT now(),
        reapplied_at timestamptz,
        UNIQUE (consumer, topic, partition, kafka_offset)
      )`);
    await queryRunner.query(
      'CREATE INDEX quarantined_records_open ON quarantined_records (consumer, topic) WHERE reapplied_at IS NULL',
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE quarantined_records');
  }
}
