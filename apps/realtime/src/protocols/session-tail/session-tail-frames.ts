import { eventOfMessage, MessageBody, SessionEventView } from '@threadline/contracts';
import { SubscriberOutput } from '../../stream/run-output';
import { MessageEntry } from '../../stream/stream-entry';

/**
 * Seqs the stream could not deliver (GapNotice): the client has every event up to
 * `from_cursor` and the tail goes on after `next_cursor`; what lies between is lost
 * to this tail (a later tail from `from_cursor` may have it).
 */
export interface TailGapFrame {
  type: 'gap';
  reason: typeof GAP_REASON;
  from_cursor: number;
  next_cursor: number;
}

/** The only reason a tail has a gap: seqs still missing after the reorder timeout. */
export const GAP_REASON = 'seqs_missing';

/** What a session tail makes of one stream output. */
export type TailItem =
  { kind: 'event'; event: SessionEventView } | { kind: 'gap'; frame: TailGapFrame } | { kind: 'end'; lastSeq: number };

/** A message entry as Starcite's event frame (the event ↔ message mapping of @threadline/contracts). */
export function sessionEventOf(entry: MessageEntry): SessionEventView {
  return eventOfMessage({
    seq: entry.seq,
    message: {
      role: entry.message.role,
      parts: entry.message.parts as MessageBody['parts'],
      metadata: entry.message.metadata,
    },
    actor: entry.author.actor,
    producerId: entry.author.producerId,
    producerSeq: entry.author.producerSeq,
    insertedAt: entry.insertedAt,
  });
}

/**
 * The tail's view of a stream output: a message is an event; a gap is a gap
 * frame with cursors; the conversation's deletion ends the tail. A tombstone
 * (a seq explained away) has no event and is skipped: the cursor a client keeps
 * is the seq of its last event, and a tail resumed from it skips the tombstone
 * again. Run outputs are not part of a session's events (a committed run's
 * messages are) and are skipped too.
 */
export function tailItemOf(output: SubscriberOutput): TailItem | null {
  switch (output.kind) {
    case 'message':
      return { kind: 'event', event: sessionEventOf(output) };
    case 'gap':
      return {
        kind: 'gap',
        frame: { type: 'gap', reason: GAP_REASON, from_cursor: output.expected - 1, next_cursor: output.actual - 1 },
      };
    case 'deleted':
      return { kind: 'end', lastSeq: output.lastSeq };
    case 'tombstone':
    case 'run_event':
    case 'run_status':
      return null;
  }
}
