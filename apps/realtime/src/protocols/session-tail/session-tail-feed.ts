import type { ConversationRef, SessionEventView } from '@threadline/contracts';
import { ClientProtocol } from '../../metrics/realtime-metrics';
import { ConversationStreamFactory } from '../../stream/conversation-stream.factory';
import { TailGapFrame, tailItemOf } from './session-tail-frames';
import { SessionTailRequest } from './session-tail-request';
import { FlushScheduler, TailBatcher } from './tail-batcher';

/** Where a session tail writes: one protocol's frames on one client connection. */
export interface TailOutlet {
  /** A batch of events (1..batch_size), in seq order; false when the client cannot take it (the tail stops). */
  events(events: SessionEventView[]): boolean;
  gap(frame: TailGapFrame): void;
  /** The session was deleted; every event up to its last seq was sent. */
  ended(): void;
  /** The stream cannot go on (e.g. Postgres unreachable); the client should resume from its cursor. */
  failed(error: Error): void;
  whenWritable(): Promise<void>;
}

/** A running tail: `start()` catches up then follows live events; `close()` stops it and drops unsent events. */
export interface SessionTail {
  start(): Promise<void>;
  close(): void;
}

/**
 * A session's events after the request's cursor, then live (a conversation
 * stream mapped by tailItemOf), handed to the outlet in batches of at most
 * batch_size.
 */
export function openSessionTail(
  streams: ConversationStreamFactory,
  conversation: ConversationRef,
  request: SessionTailRequest,
  outlet: TailOutlet,
  protocol: ClientProtocol,
  schedule?: FlushScheduler,
): SessionTail {
  const batcher = new TailBatcher(
    request.batchSize,
    (events) => {
      if (!outlet.events(events)) {
        stop();
      }
    },
    schedule,
  );
  const stream = streams.create(
    conversation,
    request.cursor,
    {
      deliver: (output) => {
        const item = tailItemOf(output);
        if (item === null) {
          return;
        }
        if (item.kind === 'event') {
          batcher.add(item.event);
          return;
        }
        batcher.flush();
        if (item.kind === 'gap') {
          outlet.gap(item.frame);
        } else {
          outlet.ended();
        }
      },
      whenWritable: () => outlet.whenWritable(),
      fail: (error) => {
        batcher.flush();
        outlet.failed(error);
      },
    },
    protocol,
  );
  const stop = (): void => {
    batcher.cancel();
    stream.close();
  };
  return { start: () => stream.start(), close: stop };
}
