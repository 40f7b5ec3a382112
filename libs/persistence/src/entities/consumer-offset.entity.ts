import { Column, Entity, PrimaryColumn } from 'typeorm';
import { bigintColumn } from './bigint.transformer';

/**
 * The next offset a consumer (projector, archiver) will read from a partition,
 * committed in the same transaction as what it wrote: exactly once in effect;
 * with the partition's index fence at that offset (docs/events.md rule 6).
 */
@Entity({ name: 'consumer_offsets' })
export class ConsumerOffsetEntity {
  @PrimaryColumn({ type: 'text' })
  consumer!: string;

  @PrimaryColumn({ type: 'text' })
  topic!: string;

  @PrimaryColumn({ type: 'integer' })
  partition!: number;

  @Column({ name: 'next_offset', ...bigintColumn })
  nextOffset!: number;

  /** The highest `index.fenced` epoch below `nextOffset` in the partition (0 before any). */
  @Column({ name: 'index_fence', ...bigintColumn })
  indexFence!: number;

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
