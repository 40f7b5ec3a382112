import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Sessions (docs/api.md, "Sessions (Starcite-compatible)"): the conversation header
 * gains a title, an archived flag, a header version (counts PATCH, archive and
 * unarchive; 0 at create) and the principal that created it. The listing
 * (`GET /v1/sessions`, `GET /v1/conversations`) walks a tenant's live conversations
 * in (created_at, id) order from a keyset cursor, with or without the archived
 * ones, and filters metadata by containment (`metadata @> $1`) with the GIN index.
 */
export class Sessions1765100000000 implements MigrationInterface {
  name = 'Sessions1765100000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE conversations
        ADD COLUMN title text,
        ADD COLUMN archived boolean NOT NULL DEFAULT false,
        ADD COLUMN header_version bigint NOT NULL DEFAULT 0,
        ADD COLUMN creator jsonb`);
    await queryRunner.query(`
      CREATE INDEX conversations_listing ON conversations (tenant_id, archived, created_at, id) WHERE NOT tombstoned`);
    await queryRunner.query(`
      CREATE INDEX conversations_listing_all ON conversations (tenant_id, created_at, id) WHERE NOT tombstoned`);
    await queryRunner.query(`
      CREATE INDEX conversations_metadata ON conversations USING gin (metadata jsonb_path_ops) WHERE NOT tombstoned`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP INDEX conversations_metadata');
    await queryRunner.query('DROP INDEX conversations_listing_all');
    await queryRunner.query('DROP INDEX conversations_listing');
    await queryRunner.query(
      'ALTER TABLE conversations DROP COLUMN title, DROP COLUMN archived, DROP COLUMN header_version, DROP COLUMN creator',
    );
  }
}
