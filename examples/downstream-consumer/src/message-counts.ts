import { applyFence, decodeRecord, EventType, TopicRecord } from '@threadline/contracts';

/** What a downstream team might keep: per conversation, how many messages it holds. */
export interface ConversationCount {
  messages: number;
  tombstones: number;
  deleted: boolean;
}

/**
 * The consumer rules of docs/events.md applied to each record in partition order:
 * the poison rule and the fence rule (decodeRecord, applyFence), then first event
 * per (conversation, seq) wins. In memory, for an example: a real consumer stores
 * its per-partition fence and the seqs it has seen with its offsets.
 */
export class MessageCounts {
  private readonly fences = new Map<number, number>();
  private readonly seen = new Map<string, Set<number>>();
  private readonly counts = new Map<string, ConversationCount>();

  apply(partition: number, record: TopicRecord): void {
    const applied = applyFence(this.fences.get(partition) ?? 0, decodeRecord(record));
    this.fences.set(partition, applied.fence);
    const event = applied.event;
    if (event === null) {
      return;
    }
    const count = this.countOf(event.conversation_id);
    if (event.type === EventType.ConversationDeleted) {
      count.deleted = true;
      return;
    }
    if (event.type !== EventType.MessageAppended && event.type !== EventType.MessageTombstoned) {
      return;
    }
    const seen = this.seen.get(event.conversation_id) ?? new Set<number>();
    this.seen.set(event.conversation_id, seen);
    if (seen.has(event.seq)) {
      return;
    }
    seen.add(event.seq);
    if (event.type === EventType.MessageAppended) {
      count.messages += 1;
    } else {
      count.tombstones += 1;
    }
  }

  get(conversationId: string): ConversationCount | null {
    return this.counts.get(conversationId) ?? null;
  }

  private countOf(conversationId: string): ConversationCount {
    const count = this.counts.get(conversationId) ?? { messages: 0, tombstones: 0, deleted: false };
    this.counts.set(conversationId, count);
    return count;
  }
}
