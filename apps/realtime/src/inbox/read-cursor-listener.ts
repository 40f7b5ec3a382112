import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Client } from 'pg';
import { parseReadCursorNotice, READ_CURSOR_CHANNEL } from '@threadline/persistence';
import { REALTIME_CONFIG, RealtimeConfig } from '../config/realtime.config';
import { InboxDeltas } from './inbox-deltas';

/** How long after losing its connection the listener connects again. */
const RECONNECT_MS = 1000;

/**
 * LISTENs on READ_CURSOR_CHANNEL (one dedicated Postgres connection) and hands
 * each read cursor change to InboxDeltas. Notices sent while it is disconnected
 * are lost: their deltas are not sent (the next change of the conversation, or a
 * REST read, shows the cursor).
 */
@Injectable()
export class ReadCursorListener implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ReadCursorListener.name);
  private client: Client | null = null;
  private retry: NodeJS.Timeout | null = null;
  private stopped = false;

  constructor(
    private readonly deltas: InboxDeltas,
    @Inject(REALTIME_CONFIG) private readonly config: RealtimeConfig,
  ) {}

  onApplicationBootstrap(): void {
    void this.connect();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    if (this.retry) {
      clearTimeout(this.retry);
    }
    await this.client?.end().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    const client = new Client({ connectionString: this.config.postgres.url });
    this.client = client;
    client.on('notification', (message) => {
      const notice = parseReadCursorNotice(message.payload);
      if (notice) {
        this.deltas.noteReadCursor(notice.tenant_id, notice.conversation_id);
      }
    });
    client.on('error', (error) => this.lost(client, error));
    client.on('end', () => this.lost(client, new Error('connection ended')));
    try {
      await client.connect();
      await client.query(`LISTEN ${READ_CURSOR_CHANNEL}`);
    } catch (error) {
      this.lost(client, error as Error);
    }
  }

  private lost(client: Client, error: Error): void {
    if (this.stopped || this.client !== client) {
      return;
    }
    this.client = null;
    this.logger.warn(`read cursor notices: ${error.message}; listening again in ${RECONNECT_MS} ms`);
    void client.end().catch(() => undefined);
    this.retry = setTimeout(() => void this.connect(), RECONNECT_MS);
    this.retry.unref();
  }
}
