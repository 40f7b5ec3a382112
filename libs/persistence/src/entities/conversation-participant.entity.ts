import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { ParticipantKind } from '@threadline/contracts';

/** One participant of a conversation, projected from `conversation.created` and `conversation.participants_set`. */
@Entity({ name: 'conversation_participants' })
export class ConversationParticipantEntity {
  @PrimaryColumn({ name: 'tenant_id', type: 'text' })
  tenantId!: string;

  @PrimaryColumn({ name: 'conversation_id', type: 'text' })
  conversationId!: string;

  @PrimaryColumn({ name: 'participant_id', type: 'text' })
  participantId!: string;

  @Column({ type: 'text' })
  kind!: ParticipantKind;

  @Column({ name: 'added_at', type: 'timestamptz' })
  addedAt!: Date;
}
