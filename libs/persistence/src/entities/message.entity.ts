import { Column, Entity, PrimaryColumn } from 'typeorm';
import { bigintColumn } from './bigint.transformer';

export type MessageKind = 'message' | 'tombstone';

/** One row per (tenant, conversation, seq): the first event for that seq in partition order. */
@Entity({ name: 'messages' })
export class MessageEntity {
  @PrimaryColumn({ name: 'tenant_id', type: 'text', default: 'default' })
  tenantId!: string;

  @PrimaryColumn({ name: 'conversation_id', type: 'text' })
  conversationId!: string;

  @PrimaryColumn({ ...bigintColumn })
  seq!: number;

  @Column({ type: 'text' })
  kind!: MessageKind;

  @Column({ ...bigintColumn, nullable: true })
  version!: number | null;

  @Column({ type: 'text', nullable: true })
  role!: string | null;

  @Column({ type: 'jsonb', nullable: true })
  parts!: unknown[] | null;

  @Column({ type: 'jsonb', nullable: true })
  metadata!: Record<string, unknown> | null;

  @Column({ name: 'token_count', type: 'integer', nullable: true })
  tokenCount!: number | null;

  @Column({ name: 'producer_id', type: 'text', nullable: true })
  producerId!: string | null;

  @Column({ name: 'producer_seq', ...bigintColumn, nullable: true })
  producerSeq!: number | null;

  /** The authenticated subject that appended the message; null for tombstones and messages from before tenants. */
  @Column({ type: 'text', nullable: true })
  actor!: string | null;

  @Column({ name: 'tombstone_reason', type: 'text', nullable: true })
  tombstoneReason!: string | null;

  @Column({ name: 'event_id', type: 'uuid' })
  eventId!: string;

  /** When the command service accepted the append. */
  @Column({ name: 'inserted_at', type: 'timestamptz' })
  insertedAt!: Date;

  @Column({ name: 'kafka_partition', type: 'integer' })
  kafkaPartition!: number;

  @Column({ name: 'kafka_offset', ...bigintColumn })
  kafkaOffset!: number;
}

/** A messages row as plain data, whether read from Postgres or rebuilt from the archive. */
export type MessageRow = Pick<MessageEntity, keyof MessageEntity>;
