import { ConversationEvent, CreatorPrincipal, EventType } from '@threadline/contracts';

export type SessionLifecycleType = 'session.created' | 'session.updated' | 'session.archived' | 'session.unarchived';

/** A session's header as a lifecycle frame shows it: what its event carries. */
export interface LifecycleSession {
  id: string;
  title: string | null;
  metadata: Record<string, unknown>;
  archived: boolean;
  version: number;
  /** On `session.created` only. */
  created_at?: string;
  creator_principal?: CreatorPrincipal | null;
  /** On every other type. */
  updated_at?: string;
}

/** A frame of the `lifecycle` topic: a session of the tenant was created or had its header changed. */
export interface SessionLifecycleFrame {
  type: SessionLifecycleType;
  session: LifecycleSession;
}

/**
 * The lifecycle frame of a topic event, or null for events that change no
 * session header (appends, tombstones, participants, deletions). An update that
 * flips `archived` is an archive or unarchive; any other (a PATCH, or an update
 * written before `previous_archived` existed) is `session.updated`.
 */
export function lifecycleFrameOf(event: ConversationEvent): SessionLifecycleFrame | null {
  switch (event.type) {
    case EventType.ConversationCreated:
      return {
        type: 'session.created',
        session: {
          id: event.conversation_id,
          title: event.data.title ?? null,
          metadata: event.data.metadata,
          archived: false,
          version: 0,
          created_at: event.occurred_at,
          creator_principal: event.data.creator ?? null,
        },
      };
    case EventType.ConversationUpdated: {
      const { title, metadata, archived, version, previous_archived: before } = event.data;
      const type =
        before === undefined || before === archived
          ? 'session.updated'
          : archived
            ? 'session.archived'
            : 'session.unarchived';
      return {
        type,
        session: { id: event.conversation_id, title, metadata, archived, version, updated_at: event.occurred_at },
      };
    }
    case EventType.MessageAppended:
    case EventType.MessageTombstoned:
    case EventType.ConversationDeleted:
    case EventType.ParticipantsSet:
      return null;
  }
}
