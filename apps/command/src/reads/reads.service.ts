import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { ArchiveUnavailableError, LogWindow, MessageLogReader, SeqWindow } from '@threadline/persistence';
import { COMMAND_CONFIG, CommandConfig } from '../config/command.config';
import { ConversationDirectory } from '../head-index/conversation-directory.service';
import { ApiError } from '../http/api-error';
import { Consistency, MessagePage, toMessageView } from './message-view';
import { ReplayQuery, TailQuery } from './read-query.dto';

interface Projected {
  consistency: Consistency;
  /** The projection's head when the read began: the newest seq a tail page starts from. */
  lastSeq: number;
}

/**
 * Tail and replay reads of the conversation's log, hot rows from Postgres and
 * trimmed ones through the archive (MessageLogReader), with read-your-writes: a
 * strong read first waits (bounded) until the projection has reached the head
 * the index had when the read began, so an acknowledged append is visible.
 */
@Injectable()
export class ReadsService {
  constructor(
    private readonly directory: ConversationDirectory,
    private readonly log: MessageLogReader,
    private readonly dataSource: DataSource,
    @Inject(COMMAND_CONFIG) private readonly config: CommandConfig,
  ) {}

  /** The newest `limit` seqs below the newest `offset` ones, in chronological order. */
  async tail(id: string, query: TailQuery): Promise<MessagePage> {
    const { consistency, lastSeq } = await this.awaitProjection(id, query.consistency);
    const newest = lastSeq - query.offset;
    const oldest = Math.max(1, newest - query.limit + 1);
    const window = newest < 1 ? null : await this.read(id, { from: oldest, to: newest, limit: query.limit });
    return {
      messages: (window?.messages ?? []).map(toMessageView),
      next_cursor: newest > query.limit ? query.offset + query.limit : null,
      consistency,
    };
  }

  async replay(id: string, query: ReplayQuery): Promise<MessagePage> {
    const { consistency } = await this.awaitProjection(id, query.consistency);
    const { messages } = await this.read(id, { from: query.from, limit: query.limit });
    const last = messages.at(-1);
    return {
      messages: messages.map(toMessageView),
      next_cursor: last ? last.seq + 1 : Math.max(query.from, 1),
      consistency,
    };
  }

  private async read(id: string, window: SeqWindow): Promise<LogWindow> {
    try {
      return await this.log.read(id, window);
    } catch (error) {
      if (error instanceof ArchiveUnavailableError) {
        throw ApiError.unavailable('archive_unavailable', `Archived messages cannot be read now: ${error.message}`, 1);
      }
      throw error;
    }
  }

  private async awaitProjection(id: string, wanted: 'strong' | 'eventual'): Promise<Projected> {
    const record = await this.directory.find(id, this.config.append.ackTimeoutMs);
    if (!record?.created) {
      throw ApiError.notFound(id);
    }
    const deadline = Date.now() + this.config.reads.waitMs;
    for (let delay = 5; ; delay = Math.min(delay * 2, 100)) {
      const lastSeq = await this.projectedLastSeq(id);
      if (wanted === 'eventual') {
        return { consistency: 'eventual', lastSeq };
      }
      if (lastSeq >= record.version) {
        return { consistency: 'strong', lastSeq };
      }
      if (Date.now() + delay > deadline) {
        return { consistency: 'stale', lastSeq };
      }
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }

  private async projectedLastSeq(id: string): Promise<number> {
    const rows = await this.dataSource.query<Array<{ last_seq: string }>>(
      'SELECT last_seq FROM conversations WHERE id = $1',
      [id],
    );
    return rows.length === 0 ? 0 : Number(rows[0].last_seq);
  }
}
