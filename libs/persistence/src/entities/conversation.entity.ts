import { Column, Entity, PrimaryColumn } from 'typeorm';
import { bigintColumn } from './bigint.transformer';

/** One row per conversation: its metadata and what reads need about its log. */
@Entity({ name: 'conversations' })
export class ConversationEntity {
  @PrimaryColumn({ name: 'tenant_id', type: 'text', default: 'default' })
  tenantId!: string;

  @PrimaryColumn({ type: 'text' })
  id!: string;

  @Column({ type: 'jsonb', default: () => "'{}'::jsonb" })
  metadata!: Record<string, unknown>;

  @Column({ type: 'boolean', default: false })
  tombstoned!: boolean;

  /** Highest seq materialized (message or tombstone). */
  @Column({ name: 'last_seq', ...bigintColumn, default: 0 })
  lastSeq!: number;

  /** Highest version of an appended message. */
  @Column({ ...bigintColumn, default: 0 })
  version!: number;

  @Column({ name: 'message_count', ...bigintColumn, default: 0 })
  messageCount!: number;

  @Column({ name: 'tombstone_count', ...bigintColumn, default: 0 })
  tombstoneCount!: number;

  /**
   * The contiguous watermark: every seq up to here is settled (a message or a
   * tombstone row, or archived and trimmed by retention, which never trims above
   * it). Kept by the projector in each chunk's transaction.
   */
  @Column({ name: 'contiguous_seq', ...bigintColumn, default: 0 })
  contiguousSeq!: number;

  /**
   * Since when (Postgres clock) the seqs above contiguous_seq up to hole_last_seq
   * that are still missing have been missing; null while contiguous_seq = last_seq.
   */
  @Column({ name: 'hole_since', type: 'timestamptz', nullable: true })
  holeSince!: Date | null;

  /** last_seq when hole_since was set: the hole settler never tombstones above it. */
  @Column({ name: 'hole_last_seq', ...bigintColumn, nullable: true })
  holeLastSeq!: number | null;

  /** Every seq up to here is archived to cold storage. */
  @Column({ name: 'archived_seq', ...bigintColumn, default: 0 })
  archivedSeq!: number;

  @Column({ name: 'last_message_at', type: 'timestamptz', nullable: true })
  lastMessageAt!: Date | null;

  @Column({ type: 'text', nullable: true })
  title!: string | null;

  /** Hidden from the default listing; still readable and writable. */
  @Column({ type: 'boolean', default: false })
  archived!: boolean;

  /** Counts header changes (PATCH, archive, unarchive); 0 at create. */
  @Column({ name: 'header_version', ...bigintColumn, default: 0 })
  headerVersion!: number;

  /** The principal that created the conversation; null for one created before sessions. */
  @Column({ type: 'jsonb', nullable: true })
  creator!: { tenant_id: string; id: string; type: 'user' | 'agent' | 'service' } | null;
  /** The conversation this one was forked from (same tenant); null when it is not a fork. */
  @Column({ name: 'parent_conversation_id', type: 'text', nullable: true })
  parentConversationId!: string | null;

  /** The parent's seq the fork copies through; null when it is not a fork. */
  @Column({ name: 'forked_at_seq', ...bigintColumn, nullable: true })
  forkedAtSeq!: number | null;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
