import { eventOfMessage, MessagePart, SessionEventView } from '@threadline/contracts';
import type { MessageView } from '@threadline/persistence';
import type { MessagePage } from '../reads/message-view';

/** A page of a session's events after a cursor (`GET /v1/sessions/{id}/events`). */
export interface SessionEventPage {
  events: SessionEventView[];
  /** The cursor to ask for next: the seq of the last entry read (a tombstone moves it too). */
  next_cursor: number;
  consistency: MessagePage['consistency'];
}

/**
 * The session events of a replay page read from `cursor + 1`: each message as its
 * event (eventOfMessage); a tombstone (a seq explained away) has no event, and is
 * skipped.
 */
export function sessionEventPage(page: MessagePage): SessionEventPage {
  const events = page.messages
    .filter((entry): entry is Extract<MessageView, { kind: 'message' }> => entry.kind === 'message')
    .map((entry) =>
      eventOfMessage({
        seq: entry.seq,
        message: {
          role: entry.role ?? '',
          parts: (entry.parts ?? []) as MessagePart[],
          metadata: entry.metadata ?? {},
        },
        actor: entry.actor,
        producerId: entry.producer_id,
        producerSeq: entry.producer_seq,
        insertedAt: entry.inserted_at,
      }),
    );
  return { events, next_cursor: (page.next_cursor ?? 1) - 1, consistency: page.consistency };
}
