import { Column, Entity, PrimaryColumn } from 'typeorm';
import { bigintColumn } from './bigint.transformer';

/**
 * A producer pair whose message won its seq, kept by the projector for as long as
 * the conversation exists (retention never trims it): the seq it was appended at
 * and the hash of its content (messageContentHash).
 */
@Entity({ name: 'producer_pairs' })
export class ProducerPairEntity {
  @PrimaryColumn({ name: 'tenant_id', type: 'text', default: 'default' })
  tenantId!: string;

  @PrimaryColumn({ name: 'conversation_id', type: 'text' })
  conversationId!: string;

  @PrimaryColumn({ name: 'producer_id', type: 'text' })
  producerId!: string;

  @PrimaryColumn({ name: 'producer_seq', ...bigintColumn })
  producerSeq!: number;

  @Column({ ...bigintColumn })
  seq!: number;

  @Column({ name: 'content_hash', type: 'text' })
  contentHash!: string;
}
