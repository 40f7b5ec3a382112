import { Column, Entity, PrimaryColumn } from 'typeorm';
import { bigintColumn } from './bigint.transformer';

/** One event of a run, at its run_seq (the body holds the kind's fields, `kind` included). */
@Entity({ name: 'run_events' })
export class RunEventEntity {
  @PrimaryColumn({ name: 'tenant_id', type: 'text' })
  tenantId!: string;

  @PrimaryColumn({ name: 'run_id', type: 'text' })
  runId!: string;

  @PrimaryColumn({ name: 'run_seq', ...bigintColumn })
  runSeq!: number;

  @Column({ type: 'text' })
  kind!: string;

  @Column({ type: 'jsonb' })
  body!: Record<string, unknown>;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
