import { Column, Entity, PrimaryColumn } from 'typeorm';
import { bigintColumn } from './bigint.transformer';

/** A run as the projector last applied it from the runs topic (docs/runs.md). */
@Entity({ name: 'runs' })
export class RunEntity {
  @PrimaryColumn({ name: 'tenant_id', type: 'text' })
  tenantId!: string;

  @PrimaryColumn({ name: 'run_id', type: 'text' })
  runId!: string;

  @Column({ name: 'conversation_id', type: 'text' })
  conversationId!: string;

  @Column({ type: 'text' })
  status!: string;

  @Column({ type: 'text' })
  actor!: string;

  @Column({ name: 'parent_seq', ...bigintColumn, nullable: true })
  parentSeq!: number | null;

  @Column({ type: 'jsonb' })
  metadata!: Record<string, unknown>;

  @Column({ name: 'last_run_seq', ...bigintColumn })
  lastRunSeq!: number;

  @Column({ type: 'text', nullable: true })
  reason!: string | null;

  @Column({ name: 'error_message', type: 'text', nullable: true })
  errorMessage!: string | null;

  @Column({ name: 'message_seqs', type: 'bigint', array: true })
  messageSeqs!: string[];

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'finished_at', type: 'timestamptz', nullable: true })
  finishedAt!: Date | null;

  @Column({ name: 'events_deleted_at', type: 'timestamptz', nullable: true })
  eventsDeletedAt!: Date | null;
}
