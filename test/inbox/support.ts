import { ConversationRef, Participant } from '@threadline/contracts';
import { participantsSetEvent } from '../support/event-builder';
import { indexEpoch, produceEvents } from '../support/hand-built-events';

export const alice: Participant = { id: 'alice', kind: 'user' };
export const bob: Participant = { id: 'bob', kind: 'user' };
export const bot: Participant = { id: 'bot', kind: 'agent' };

/** Sets a conversation's participants through the topic, as a PUT with `participants` does. */
export async function setParticipants(
  env: Record<string, string>,
  ref: ConversationRef,
  participants: Participant[],
): Promise<void> {
  // stamped with the trusted head-index epoch, so the fence rule keeps it
  const epoch = (await indexEpoch(env.REDIS_KEY_PREFIX)) ?? 0;
  await produceEvents(env.KAFKA_TOPIC, participantsSetEvent(ref, participants, epoch));
}

/** One inbox entry of the public shape. */
export interface InboxEntry {
  id: string;
  unread_count: number;
  last_seq: number;
  last_activity_at: string;
  last_sender: string | null;
  preview: string | null;
  read_seq: number;
}
