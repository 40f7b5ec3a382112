import { MessageAppendedEvent } from '@threadline/contracts';
import { MessageView } from '@threadline/persistence';

/**
 * The read shape (MessageView) of an appended message, as the projection will hold it (its `inserted_at` is the
 * event's time): what a webhook body's `messages` carry.
 */
export function viewOfEvent(event: MessageAppendedEvent): MessageView {
  const { message } = event.data;
  return {
    seq: event.seq,
    kind: 'message',
    version: event.data.version,
    role: message.role,
    parts: message.parts,
    metadata: message.metadata ?? {},
    token_count: message.token_count ?? null,
    producer_id: event.data.producer_id,
    producer_seq: event.data.producer_seq,
    actor: event.data.actor,
    inserted_at: event.occurred_at,
  };
}
