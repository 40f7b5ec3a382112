import type { ConversationRef } from '@threadline/contracts';

/** A conversation as the head index holds it. */
export interface ConversationRecord {
  ref: ConversationRef;
  /** false while the create event is not yet durable. */
  created: boolean;
  version: number;
  tombstoned: boolean;
  metadata: Record<string, unknown>;
  createdAt: Date;
  updatedAt: Date;
}

export function recordFromFields(ref: ConversationRef, fields: string[]): ConversationRecord {
  const [state, version, tombstoned, metadata, createdAt, updatedAt] = fields;
  return {
    ref,
    created: state === 'c',
    version: Number(version),
    tombstoned: tombstoned === '1',
    metadata: JSON.parse(metadata) as Record<string, unknown>,
    createdAt: new Date(Number(createdAt)),
    updatedAt: new Date(Number(updatedAt)),
  };
}
