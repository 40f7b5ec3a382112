import { applyFence, DecodedRecord, EventType, MessageAppendedEvent } from '@threadline/contracts';
import { StoredPosition } from '@threadline/persistence';

/** One record of a partition, decoded by the poison rule. */
export interface IngestRecord {
  offset: number;
  record: DecodedRecord;
}

/** What the dispatcher does with one event, in offset order. */
export type IngestOp =
  /**
   * The conversation's agent participants are now exactly these. `initial`: the list of a
   * `conversation.created`, which applies only to a conversation whose list was never set (the command may
   * produce a create again on a retried PUT, after a later change).
   */
  | { kind: 'participants'; tenantId: string; conversationId: string; agentIds: string[]; initial: boolean }
  /** The conversation was deleted after `lastSeq`: no agent participant any more, and its seen seqs may go. */
  | { kind: 'deleted'; tenantId: string; conversationId: string; lastSeq: number }
  /** A committed message, to deliver to the conversation's agents that did not send it. */
  | { kind: 'message'; event: MessageAppendedEvent }
  /** A seq settled by a tombstone: nothing to deliver, but deliveries of higher seqs may have waited for it. */
  | { kind: 'tombstone'; tenantId: string; conversationId: string; seq: number };

export interface IngestPlan {
  ops: IngestOp[];
  /** The partition's fence after the batch's last record: stored with the next offset. */
  fence: number;
}

/**
 * Plans a batch (records in offset order) against the stored position, with
 * the rules every consumer of the topic applies (docs/events.md):
 * - records below the stored next offset were handled by an earlier transaction: skipped;
 * - a poison record (rule 5) settles its seq by its stand-in tombstone, which carries nothing to deliver;
 * - the fence rule (rule 6) runs from the stored fence;
 * - per (conversation, seq) only the first message or tombstone is kept (rule 1); across
 *   batches the writer drops a seq it has already seen (SeenSeqs).
 */
export function planIngest(records: readonly IngestRecord[], stored: StoredPosition): IngestPlan {
  const plan: IngestPlan = { ops: [], fence: stored.indexFence };
  const seqs = new Set<string>();
  for (const { offset, record } of records) {
    if (offset < stored.nextOffset) {
      continue;
    }
    const fenced = applyFence(plan.fence, record);
    plan.fence = fenced.fence;
    const event = fenced.event;
    if (event === null) {
      continue;
    }
    const ref = { tenantId: event.tenant_id, conversationId: event.conversation_id };
    switch (event.type) {
      case EventType.ConversationCreated:
        plan.ops.push({
          kind: 'participants',
          ...ref,
          agentIds: agentIdsOf(event.data.participants ?? []),
          initial: true,
        });
        break;
      case EventType.ParticipantsSet:
        plan.ops.push({ kind: 'participants', ...ref, agentIds: agentIdsOf(event.data.participants), initial: false });
        break;
      case EventType.ConversationDeleted:
        plan.ops.push({ kind: 'deleted', ...ref, lastSeq: event.data.last_seq });
        break;
      case EventType.MessageAppended: {
        const key = JSON.stringify([event.tenant_id, event.conversation_id, event.seq]);
        if (!seqs.has(key)) {
          seqs.add(key);
          plan.ops.push({ kind: 'message', event });
        }
        break;
      }
      case EventType.MessageTombstoned: {
        const key = JSON.stringify([event.tenant_id, event.conversation_id, event.seq]);
        if (!seqs.has(key)) {
          seqs.add(key);
          plan.ops.push({ kind: 'tombstone', ...ref, seq: event.seq });
        }
        break;
      }
    }
  }
  return plan;
}

function agentIdsOf(participants: ReadonlyArray<{ id: string; kind: string }>): string[] {
  return participants.filter((p) => p.kind === 'agent').map((p) => p.id);
}
