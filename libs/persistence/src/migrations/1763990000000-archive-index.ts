import { MigrationInterface, QueryRunner } from 'typeorm';

/** The archive's segments and its per-conversation index (see apps/archiver). */
export class ArchiveIndex1763990000000 implements MigrationInterface {
  name = 'ArchiveIndex1763990000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE archive_segments (
        topic text NOT NULL,
        partition integer NOT NULL,
        first_offset bigint NOT NULL,
        last_offset bigint NOT NULL CHECK (last_offset >= first_offset),
        segment_key text NOT NULL UNIQUE,
        line_count integer NOT NULL,
        uncompressed_bytes bigint NOT NULL,
        stored_bytes bigint NOT NULL,
        created_at timestamptz NOT NULL,
        PRIMARY KEY (topic, partition, first_offset)
      )`);
    await queryRunner.query(`
      CREATE TABLE archive_index (
        conversation_id text NOT NULL,
        segment_key text NOT NULL REFERENCES archive_segments (segment_key),
        first_seq bigint NOT NULL,
        last_seq bigint NOT NULL CHECK (last_seq >= first_seq),
        first_line integer NOT NULL,
        last_line integer NOT NULL CHECK (last_line >= first_line),
        partition integer NOT NULL,
        first_offset bigint NOT NULL,
        last_offset bigint NOT NULL,
        PRIMARY KEY (conversation_id, segment_key)
      )`);
    await queryRunner.query(
      'CREATE INDEX archive_index_conversation_seq ON archive_index (conversation_id, first_seq, last_seq)',
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE archive_index');
    await queryRunner.query('DROP TABLE archive_segments');
  }
}
