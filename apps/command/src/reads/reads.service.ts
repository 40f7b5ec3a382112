import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { ConversationEntity, MessageEntity } from '@threadline/persistence';
import { COMMAND_CONFIG, CommandConfig } from '../config/command.config';
import { ConversationDirectory } from '../head-index/conversation-directory.service';
import { ApiError } from '../http/api-error';
import { Consistency, MessagePage, toMessageView } from './message-view';
import { ReplayQuery, TailQuery } from './read-query.dto';

/**
 * Tail and replay reads from the Postgres projection, with read-your-writes: a
 * strong read first waits (bounded) until the projection has reached the head
 * the index had when the read began, so an acknowledged append is visible.
 */
@Injectable()
export class ReadsService {
  constructor(
    private readonly directory: ConversationDirectory,
    @InjectRepository(MessageEntity) private readonly messages: Repository<MessageEntity>,
    @InjectRepository(ConversationEntity) private readonly conversations: Repository<ConversationEntity>,
    @Inject(COMMAND_CONFIG) private readonly config: CommandConfig,
  ) {}

  async tail(id: string, query: TailQuery): Promise<MessagePage> {
    const consistency = await this.awaitProjection(id, query.consistency);
    const rows = await this.messages.find({
      where: { conversationId: id },
      order: { seq: 'DESC' },
      skip: query.offset,
      take: query.limit,
    });
    return {
      messages: rows.reverse().map(toMessageView),
      next_cursor: rows.length === query.limit ? query.offset + rows.length : null,
      consistency,
    };
  }

  async replay(id: string, query: ReplayQuery): Promise<MessagePage> {
    const consistency = await this.awaitProjection(id, query.consistency);
    const rows = await this.messages
      .createQueryBuilder('m')
      .where('m.conversation_id = :id AND m.seq >= :from', { id, from: query.from })
      .orderBy('m.seq', 'ASC')
      .limit(query.limit)
      .getMany();
    const last = rows.at(-1);
    return {
      messages: rows.map(toMessageView),
      next_cursor: last ? last.seq + 1 : Math.max(query.from, 1),
      consistency,
    };
  }

  private async awaitProjection(id: string, wanted: 'strong' | 'eventual'): Promise<Consistency> {
    const record = await this.directory.find(id, this.config.append.ackTimeoutMs);
    if (!record?.created) {
      throw ApiError.notFound(id);
    }
    if (wanted === 'eventual') {
      return 'eventual';
    }
    const deadline = Date.now() + this.config.reads.waitMs;
    for (let delay = 5; ; delay = Math.min(delay * 2, 100)) {
      const row = await this.conversations.findOne({ where: { id }, select: { id: true, lastSeq: true } });
      if (row && row.lastSeq >= record.version) {
        return 'strong';
      }
      if (Date.now() + delay > deadline) {
        return 'stale';
      }
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}
