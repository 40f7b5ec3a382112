import { ConversationEvent, EventType, ParticipantKind } from '@threadline/contracts';
import type { InboxOwner } from '@threadline/persistence';
import type { TopicPosition } from '../live/conversation-hub';

/**
 * A conversation whose inbox entries changed, and where its latest such event is
 * in the topic; `at` null for a change already committed to Postgres (a read cursor).
 */
export interface ChangedConversation {
  tenantId: string;
  conversationId: string;
  at: TopicPosition | null;
}

/** A row of conversation_participants: who is in a changed conversation. */
export interface MembershipRow {
  conversation_id: string;
  participant_id: string;
  kind: ParticipantKind;
}

/** Events that change inbox entries: a new message, or a participant list (created with one, or replaced). */
export function changesInbox(event: ConversationEvent): boolean {
  switch (event.type) {
    case EventType.MessageAppended:
    case EventType.ParticipantsSet:
      return true;
    case EventType.ConversationCreated:
      return event.data.participants !== undefined;
    default:
      return false;
  }
}

/**
 * Splits the changed conversations into those the projector has passed (the
 * event's offset is below its stored next offset in the partition: every read
 * from now on shows the change) and those still waiting for it.
 */
export function passedByProjector(
  changed: readonly ChangedConversation[],
  nextOffsets: ReadonlyMap<number, number>,
): { ready: ChangedConversation[]; waiting: ChangedConversation[] } {
  const ready: ChangedConversation[] = [];
  const waiting: ChangedConversation[] = [];
  for (const change of changed) {
    const next = change.at === null ? undefined : nextOffsets.get(change.at.partition);
    (change.at === null || (next !== undefined && change.at.offset < next) ? ready : waiting).push(change);
  }
  return { ready, waiting };
}

/**
 * The change to keep when a conversation changes again before its delta went out:
 * the one that waits for the projector longest (a topic change over a committed
 * one, the later offset of two), so the delta reflects both.
 */
export function laterChange(known: ChangedConversation | undefined, change: ChangedConversation): ChangedConversation {
  if (!known || known.at === null) {
    return change.at === null && known ? known : change;
  }
  return change.at !== null && change.at.offset > known.at.offset ? change : known;
}

/**
 * Which of the changed conversations each subscribed inbox shows: those the
 * owner is a participant of, as its kind (or any kind for a service's view).
 */
export function conversationsPerOwner(
  owners: readonly InboxOwner[],
  rows: readonly MembershipRow[],
): Map<InboxOwner, string[]> {
  const result = new Map<InboxOwner, string[]>();
  for (const owner of owners) {
    const ids = rows
      .filter((r) => r.participant_id === owner.participantId && (owner.kind === null || owner.kind === r.kind))
      .map((r) => r.conversation_id);
    if (ids.length > 0) {
      result.set(owner, ids);
    }
  }
  return result;
}
