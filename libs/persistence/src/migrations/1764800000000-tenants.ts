import { MigrationInterface, QueryRunner } from 'typeorm';

/** Tables whose rows name a conversation: each gets `tenant_id`, first in its primary key. */
const TENANT_KEYED: ReadonlyArray<{ table: string; key: string }> = [
  { table: 'conversations', key: 'tenant_id, id' },
  { table: 'messages', key: 'tenant_id, conversation_id, seq' },
  { table: 'producer_pairs', key: 'tenant_id, conversation_id, producer_id, producer_seq' },
  { table: 'archive_index', key: 'tenant_id, conversation_id, segment_key' },
  { table: 'archive_segments', key: 'tenant_id, topic, partition, first_offset' },
];

/**
 * Tenants (docs/events.md, schema_version 2): conversation ids are a namespace
 * per tenant, so every table keyed by a conversation is keyed by (tenant_id, ...)
 * first. Every existing row was written before tenants and becomes the default
 * tenant's (the column default). Messages record the authenticated actor of their
 * append (null before tenants). A quarantined record names a tenant only when it
 * names a conversation.
 */
export class Tenants1764800000000 implements MigrationInterface {
  name = 'Tenants1764800000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const { table, key } of TENANT_KEYED) {
      await queryRunner.query(`ALTER TABLE ${table} ADD COLUMN tenant_id text NOT NULL DEFAULT 'default'`);
      await queryRunner.query(`ALTER TABLE ${table} DROP CONSTRAINT ${table}_pkey, ADD PRIMARY KEY (${key})`);
    }
    await queryRunner.query('ALTER TABLE messages ADD COLUMN actor text NULL');
    await queryRunner.query('DROP INDEX archive_index_conversation_seq');
    await queryRunner.query(
      'CREATE INDEX archive_index_conversation_seq ON archive_index (tenant_id, conversation_id, first_seq, last_seq)',
    );
    await queryRunner.query('ALTER TABLE quarantined_records ADD COLUMN tenant_id text NULL');
    await queryRunner.query("UPDATE quarantined_records SET tenant_id = 'default' WHERE conversation_id IS NOT NULL");
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE quarantined_records DROP COLUMN tenant_id');
    await queryRunner.query('DROP INDEX archive_index_conversation_seq');
    await queryRunner.query(
      'CREATE INDEX archive_index_conversation_seq ON archive_index (conversation_id, first_seq, last_seq)',
    );
    await queryRunner.query('ALTER TABLE messages DROP COLUMN actor');
    for (const { table, key } of [...TENANT_KEYED].reverse()) {
      const withoutTenant = key.replace('tenant_id, ', '');
      await queryRunner.query(`ALTER TABLE ${table} DROP CONSTRAINT ${table}_pkey, ADD PRIMARY KEY (${withoutTenant})`);
      await queryRunner.query(`ALTER TABLE ${table} DROP COLUMN tenant_id`);
    }
  }
}
