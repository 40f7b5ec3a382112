import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Read cursors (docs/api.md, "Inboxes"): per conversation and participant, the
 * highest seq the participant has read; only ever raised. Written by the command
 * (`PUT /v1/conversations/{id}/read`), read with the inbox. The inbox itself needs
 * no new index: it walks conversation_participants_by_participant, then the
 * primary keys of conversations, read_cursors and messages (docs/consistency.md).
 */
export class ReadCursors1764920000000 implements MigrationInterface {
  name = 'ReadCursors1764920000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE read_cursors (
        tenant_id text NOT NULL,
        conversation_id text NOT NULL,
        participant_id text NOT NULL,
        read_seq bigint NOT NULL,
        updated_at timestamptz NOT NULL,
        PRIMARY KEY (tenant_id, conversation_id, participant_id),
        CONSTRAINT read_cursors_seq CHECK (read_seq >= 0)
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE read_cursors');
  }
}
