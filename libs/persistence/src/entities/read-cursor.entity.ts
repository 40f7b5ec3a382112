import { Column, Entity, PrimaryColumn } from 'typeorm';
import { bigintColumn } from './bigint.transformer';

/** The highest seq a participant has read in a conversation (only ever raised). */
@Entity({ name: 'read_cursors' })
export class ReadCursorEntity {
  @PrimaryColumn({ name: 'tenant_id', type: 'text' })
  tenantId!: string;

  @PrimaryColumn({ name: 'conversation_id', type: 'text' })
  conversationId!: string;

  @PrimaryColumn({ name: 'participant_id', type: 'text' })
  participantId!: string;

  @Column({ name: 'read_seq', ...bigintColumn })
  readSeq!: number;

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
