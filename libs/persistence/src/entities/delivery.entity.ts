import { Column, Entity, PrimaryColumn } from 'typeorm';
import { bigintColumn } from './bigint.transformer';

/**
 * pending: waiting for its next attempt (or its debounce window); replying: the
 * webhook answered with messages not yet appended; succeeded; failed: a 4xx that
 * is not retried; dead: every allowed attempt failed (also on the dead-letter topic).
 */
export type DeliveryStatus = 'pending' | 'replying' | 'succeeded' | 'failed' | 'dead';

/** One delivery of a conversation's messages first_seq..last_seq to one agent (docs/agents.md). */
@Entity({ name: 'deliveries' })
export class DeliveryEntity {
  /** Also the `webhook-id` header of every attempt: stable across retries and redeliveries. */
  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  @Column({ name: 'tenant_id', type: 'text' })
  tenantId!: string;

  @Column({ name: 'agent_id', type: 'text' })
  agentId!: string;

  @Column({ name: 'conversation_id', type: 'text' })
  conversationId!: string;

  @Column({ ...bigintColumn, name: 'first_seq' })
  firstSeq!: number;

  @Column({ ...bigintColumn, name: 'last_seq' })
  lastSeq!: number;

  /** The messages in the public read shape, as the webhook body carries them. */
  @Column({ type: 'jsonb' })
  messages!: unknown[];

  @Column({ type: 'text' })
  status!: DeliveryStatus;

  @Column({ type: 'integer' })
  attempts!: number;

  /** The attempt count at which the delivery is dead; a redelivery raises it by the agent's max_attempts. */
  @Column({ name: 'attempts_allowed', type: 'integer' })
  attemptsAllowed!: number;

  @Column({ name: 'next_attempt_at', type: 'timestamptz' })
  nextAttemptAt!: Date;

  @Column({ name: 'last_error', type: 'text', nullable: true })
  lastError!: string | null;

  /** The messages the webhook answered with, kept until they are appended as the agent. */
  @Column({ type: 'jsonb', nullable: true })
  reply!: unknown[] | null;

  @Column({ name: 'reply_appended_at', type: 'timestamptz', nullable: true })
  replyAppendedAt!: Date | null;

  @Column({ name: 'dead_lettered_at', type: 'timestamptz', nullable: true })
  deadLetteredAt!: Date | null;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;

  @Column({ name: 'completed_at', type: 'timestamptz', nullable: true })
  completedAt!: Date | null;
}
