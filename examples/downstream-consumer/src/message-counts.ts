import {
  applyFence,
  ConversationRef,
  conversationKey,
  decodeRecord,
  eventConversation,
  EventType,
  TopicRecord,
} from '@threadline/contracts';

/** What a downstream team might keep: per conversation (tenant and id), how many messages it holds. */
export interface ConversationCount {
  messages: number;
  tombstones: number;
  deleted: boolean;
}

/**
 * The consumer rules of docs/events.md applied to each record in partition order:
 * the poison rule and the fence rule (decodeRecord, applyFence), then first event
 * per (conversation, seq) wins. A conversation is its tenant and id: everything is
 * keyed by conversationKey, so two tenants' same id never share a count (events of
 * schema_version 1 decode as the default tenant's). In memory, for an example: a real consumer stores
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
    const key = conversationKey(eventConversation(event));
    const count = this.countOf(key);
    if (event.type === EventType.ConversationDeleted) {
      count.deleted = true;
      return;
    }
    if (event.type !== EventType.MessageAppended && event.type !== EventType.MessageTombstoned) {
      return;
    }
    const seen = this.seen.get(key) ?? new Set<number>();
    this.seen.set(key, seen);
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

  get(conversation: ConversationRef): ConversationCount | null {
    return this.counts.get(conversationKey(conversation)) ?? null;
  }

  private countOf(key: string): ConversationCount {
    const count = this.counts.get(key) ?? { messages: 0, tombstones: 0, deleted: false };
    this.counts.set(key, count);
    return count;
  }
}
