import { ConversationEvent } from './event-envelope';
import { DecodedRecord } from './poison-record';

/** What a consumer does with one record of a partition, and the partition's fence after it. */
export interface FencedRecord {
  /** The epoch of the partition's latest fence record so far (0 before any). */
  fence: number;
  /** The event to apply, or null: a fence record, a poison record naming no seq, or a fenced event. */
  event: ConversationEvent | null;
  /** True when the record was an event (or a poison stand-in) of an epoch below the fence: ignored. */
  fenced: boolean;
}

/**
 * The fence rule (docs/events.md rule 6), applied after the poison rule by every
 * consumer, per partition and in offset order: a fence record raises the
 * partition's fence to its epoch; an event whose `index_epoch` (absent = 0) is
 * below the fence is ignored. A pure function of the partition's records, so
 * every consumer that starts from the same (offset, fence) agrees.
 */
export function applyFence(fence: number, record: DecodedRecord): FencedRecord {
  if (record.kind === 'fence') {
    return { fence: Math.max(fence, record.fence.index_epoch), event: null, fenced: false };
  }
  const event = record.kind === 'event' ? record.event : record.standIn;
  if (event === null) {
    return { fence, event: null, fenced: false };
  }
  if ((event.index_epoch ?? 0) < fence) {
    return { fence, event: null, fenced: true };
  }
  return { fence, event, fenced: false };
}
