import { Client } from 'pg';
import { ConversationEvent, EventType } from '@threadline/contracts';
import { TEST_DATABASE_URL } from '../../support/test-env';

/**
 * Writes projection rows directly, standing in for the projector: the realtime
 * service's catch-up reads exactly these tables.
 */
export class ProjectionRows {
  private readonly db = new Client({ connectionString: TEST_DATABASE_URL });
  /** One pg client runs one query at a time: concurrent callers queue here. */
  private queue: Promise<void> = Promise.resolve();

  async connect(): Promise<void> {
    await this.db.connect();
  }

  async disconnect(): Promise<void> {
    await this.db.end();
  }

  /** Projects message.appended / message.tombstoned / conversation.deleted events (first seq wins). */
  project(...events: ConversationEvent[]): Promise<void> {
    const done = this.queue.then(() => this.write(events));
    this.queue = done.catch(() => undefined);
    return done;
  }

  private async write(events: ConversationEvent[]): Promise<void> {
    for (const event of events) {
      if (event.type === EventType.MessageAppended) {
        const m = event.data.message;
        await this.db.query(
          `INSERT INTO messages (tenant_id, conversation_id, seq, kind, version, role, parts, metadata, token_count,
             producer_id, producer_seq, event_id, inserted_at, kafka_partition, kafka_offset, actor)
           VALUES ($10, $1, $2, 'message', $3, $4, $5, $6, $7, NULL, NULL, $8, $9, 0, 0, $11)
           ON CONFLICT DO NOTHING`,
          [
            event.conversation_id,
            event.seq,
            event.data.version,
            m.role,
            JSON.stringify(m.parts),
            JSON.stringify(m.metadata ?? {}),
            m.token_count ?? null,
            event.event_id,
            event.occurred_at,
            event.tenant_id,
            event.data.actor,
          ],
        );
        await this.touch(event.tenant_id, event.conversation_id, event.seq, false);
      } else if (event.type === EventType.MessageTombstoned) {
        await this.db.query(
          `INSERT INTO messages (tenant_id, conversation_id, seq, kind, tombstone_reason, event_id, inserted_at, kafka_partition, kafka_offset)
           VALUES ($6, $1, $2, 'tombstone', $3, $4, $5, 0, 0) ON CONFLICT DO NOTHING`,
          [event.conversation_id, event.seq, event.data.reason, event.event_id, event.occurred_at, event.tenant_id],
        );
        await this.touch(event.tenant_id, event.conversation_id, event.seq, false);
      } else if (event.type === EventType.ConversationDeleted) {
        await this.touch(event.tenant_id, event.conversation_id, event.data.last_seq, true);
      }
    }
  }

  private async touch(tenantId: string, id: string, seq: number, tombstoned: boolean): Promise<void> {
    await this.db.query(
      `INSERT INTO conversations (tenant_id, id, tombstoned, last_seq, created_at, updated_at)
       VALUES ($4, $1, $2, $3, now(), now())
       ON CONFLICT (tenant_id, id) DO UPDATE SET last_seq = GREATEST(conversations.last_seq, EXCLUDED.last_seq),
         tombstoned = conversations.tombstoned OR EXCLUDED.tombstoned, updated_at = now()`,
      [id, tombstoned, seq, tenantId],
    );
  }
}
