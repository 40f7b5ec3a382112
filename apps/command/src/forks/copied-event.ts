import type { ConversationEvent, ConversationRef, MessageBody, MessageTombstonedEvent } from '@threadline/contracts';
import type { MessageRow } from '@threadline/persistence';
import { messageAppended, messageTombstoned } from '../event-log/event-factory';

/**
 * The fork's event for one entry of its parent's log: the same seq, and for a
 * message the same body and actor with no producer pair (the parent's pairs are
 * the parent's), for a tombstone the same reason.
 */
export function copiedEvent(fork: ConversationRef, entry: MessageRow, epoch: number): ConversationEvent {
  if (entry.kind === 'tombstone') {
    return messageTombstoned(fork, entry.seq, entry.tombstoneReason as MessageTombstonedEvent['data']['reason'], epoch);
  }
  const message: MessageBody = {
    role: entry.role ?? '',
    parts: (entry.parts ?? []) as MessageBody['parts'],
    ...(entry.metadata ? { metadata: entry.metadata } : {}),
    ...(entry.tokenCount !== null ? { token_count: entry.tokenCount } : {}),
  };
  return messageAppended(fork, entry.seq, message, null, entry.actor, epoch);
}
