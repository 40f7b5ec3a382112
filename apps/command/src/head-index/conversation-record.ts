import type { ConversationRef, CreatorPrincipal, Participant } from '@threadline/contracts';

export interface ForkParent {
  conversationId: string;
  atSeq: number;
}

/** A conversation as the head index holds it. */
export interface ConversationRecord {
  ref: ConversationRef;
  /** false while the create event is not yet durable. */
  created: boolean;
  version: number;
  tombstoned: boolean;
  metadata: Record<string, unknown>;
  /** Ordered by id (canonicalParticipants). */
  participants: Participant[];
  title: string | null;
  archived: boolean;
  /** Counts header updates (PATCH, archive, unarchive); 0 at create. */
  headerVersion: number;
  /** Null for a conversation created before sessions. */
  creator: CreatorPrincipal | null;
  /** The conversation this one was forked from and the parent seq it copies through; null when not a fork. */
  parent: ForkParent | null;
  createdAt: Date;
  updatedAt: Date;
}

export function recordFromFields(ref: ConversationRef, fields: string[]): ConversationRecord {
  const [
    state,
    version,
    tombstoned,
    metadata,
    createdAt,
    updatedAt,
    participants,
    title,
    archived,
    headerVersion,
    creator,
    forkParent,
    forkAtSeq,
  ] = fields;
  return {
    ref,
    created: state === 'c',
    version: Number(version),
    tombstoned: tombstoned === '1',
    metadata: JSON.parse(metadata) as Record<string, unknown>,
    participants: JSON.parse(participants) as Participant[],
    title: JSON.parse(title) as string | null,
    archived: archived === '1',
    headerVersion: Number(headerVersion),
    creator: JSON.parse(creator) as CreatorPrincipal | null,
    parent: forkParent ? { conversationId: forkParent, atSeq: Number(forkAtSeq) } : null,
    createdAt: new Date(Number(createdAt)),
    updatedAt: new Date(Number(updatedAt)),
  };
}

/**
 * The one form a participant list is kept and compared in: ordered by id, each as
 * `{id, kind}`. Two lists naming the same participants are then the same string.
 */
export function canonicalParticipants(participants: readonly Participant[]): Participant[] {
  return [...participants]
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .map(({ id, kind }) => ({ id, kind }));
}
