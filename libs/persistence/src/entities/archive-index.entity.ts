import { Column, Entity, PrimaryColumn } from 'typeorm';
import { bigintColumn } from './bigint.transformer';

/**
 * Which seqs of a conversation one archive segment holds, and where: lines
 * `first_line..last_line` (0-based, inclusive) of the segment's uncompressed
 * NDJSON hold every seq event of the conversation in the segment, whose seqs lie
 * in `first_seq..last_seq` (not necessarily every seq of that range).
 */
@Entity({ name: 'archive_index' })
export class ArchiveIndexEntity {
  @PrimaryColumn({ name: 'tenant_id', type: 'text', default: 'default' })
  tenantId!: string;

  @PrimaryColumn({ name: 'conversation_id', type: 'text' })
  conversationId!: string;

  @PrimaryColumn({ name: 'segment_key', type: 'text' })
  segmentKey!: string;

  @Column({ name: 'first_seq', ...bigintColumn })
  firstSeq!: number;

  @Column({ name: 'last_seq', ...bigintColumn })
  lastSeq!: number;

  @Column({ name: 'first_line', type: 'integer' })
  firstLine!: number;

  @Column({ name: 'last_line', type: 'integer' })
  lastLine!: number;

  @Column({ type: 'integer' })
  partition!: number;

  /** Offset of the conversation's first seq event in the segment. */
  @Column({ name: 'first_offset', ...bigintColumn })
  firstOffset!: number;

  @Column({ name: 'last_offset', ...bigintColumn })
  lastOffset!: number;
}
