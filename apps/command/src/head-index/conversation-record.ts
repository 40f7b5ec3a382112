/** A conversation as the head index holds it. */
export interface ConversationRecord {
  id: string;
  /** false while the create event is not yet durable. */
  created: boolean;
  version: number;
  tombstoned: boolean;
  metadata: Record<string, unknown>;
  createdAt: Date;
  updatedAt: Date;
}

export function recordFromFields(id: string, fields: string[]): ConversationRecord {
  const [state, version, tombstoned, metadata, createdAt, updatedAt] = fields;
  return {
    id,
    created: state === 'c',
    version: Number(version),
    tombstoned: tombstoned === '1',
    metadata: JSON.parse(metadata) as Record<string, unknown>,
    createdAt: new Date(Number(createdAt)),
    updatedAt: new Date(Number(updatedAt)),
  };
}
