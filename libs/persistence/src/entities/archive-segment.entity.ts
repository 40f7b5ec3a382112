import { Column, Entity, PrimaryColumn } from 'typeorm';
import { bigintColumn } from './bigint.transformer';

/**
 * One immutable archive object: a contiguous offset range of one partition.
 * A row exists only once the object is durable; an object without a row is
 * invisible (a crash between the put and the commit) and rewritten on re-run.
 */
@Entity({ name: 'archive_segments' })
export class ArchiveSegmentEntity {
  @PrimaryColumn({ name: 'tenant_id', type: 'text', default: 'default' })
  tenantId!: string;

  @PrimaryColumn({ type: 'text' })
  topic!: string;

  @PrimaryColumn({ type: 'integer' })
  partition!: number;

  @PrimaryColumn({ name: 'first_offset', ...bigintColumn })
  firstOffset!: number;

  @Column({ name: 'last_offset', ...bigintColumn })
  lastOffset!: number;

  @Column({ name: 'segment_key', type: 'text', unique: true })
  segmentKey!: string;

  /** Lines in the object (decodable records of the range). */
  @Column({ name: 'line_count', type: 'integer' })
  lineCount!: number;

  @Column({ name: 'uncompressed_bytes', ...bigintColumn })
  uncompressedBytes!: number;

  @Column({ name: 'stored_bytes', ...bigintColumn })
  storedBytes!: number;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
