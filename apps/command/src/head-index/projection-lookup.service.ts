import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import {
  ConsumerOffsetEntity,
  ConversationHeadReader,
  ConversationEntity,
  ConversationParticipantEntity,
  MessageEntity,
  MessageLogReader,
  MessageRow,
  ProducerPairEntity,
} from '@threadline/persistence';
import type { ConversationRef, Participant } from '@threadline/contracts';
import { COMMAND_CONFIG, CommandConfig } from '../config/command.config';

/** What the command service reads back from the Postgres projection. */
@Injectable()
export class ProjectionLookupService {
  constructor(
    @InjectRepository(ConversationEntity) private readonly conversations: Repository<ConversationEntity>,
    @InjectRepository(MessageEntity) private readonly messages: Repository<MessageEntity>,
    @InjectRepository(ConsumerOffsetEntity) private readonly offsets: Repository<ConsumerOffsetEntity>,
    @InjectRepository(ProducerPairEntity) private readonly pairs: Repository<ProducerPairEntity>,
    @InjectRepository(ConversationParticipantEntity)
    private readonly participantRows: Repository<ConversationParticipantEntity>,
    private readonly log: MessageLogReader,
    private readonly heads: ConversationHeadReader,
    @Inject(COMMAND_CONFIG) private readonly config: CommandConfig,
  ) {}

  findConversation(ref: ConversationRef): Promise<ConversationEntity | null> {
    return this.conversations.findOneBy({ tenantId: ref.tenantId, id: ref.conversationId });
  }

  /** The participants the projector last recorded for the conversation, ordered by id. */
  async participants(ref: ConversationRef): Promise<Participant[]> {
    const rows = await this.participantRows.find({
      where: { tenantId: ref.tenantId, conversationId: ref.conversationId },
      order: { participantId: 'ASC' },
    });
    return rows.map((row) => ({ id: row.participantId, kind: row.kind }));
  }

  async archivedSeq(ref: ConversationRef): Promise<number> {
    return (await this.heads.read(ref))?.archivedSeq ?? 0;
  }

  /** The entry the projection settled at `seq`, from Postgres or, once trimmed, the archive. */
  async messageAt(ref: ConversationRef, seq: number): Promise<MessageRow | null> {
    const { messages } = await this.log.read(ref, { from: seq, to: seq, limit: 1 });
    return messages[0] ?? null;
  }

  /**
   * Seqs up to lastSeq the projection has neither a message nor a tombstone for.
   * Seqs up to archivedSeq are in the archive (retention may have trimmed their rows).
   */
  async missingSeqs(ref: ConversationRef, archivedSeq: number, lastSeq: number): Promise<number[]> {
    const rows: { seq: string }[] = await this.messages.query(
      `SELECT s AS seq FROM generate_series($4::bigint + 1, $3::bigint) AS s
       WHERE NOT EXISTS (SELECT 1 FROM messages m WHERE m.tenant_id = $1 AND m.conversation_id = $2 AND m.seq = s)
       ORDER BY s`,
      [ref.tenantId, ref.conversationId, lastSeq, archivedSeq],
    );
    return rows.map((r) => Number(r.seq));
  }

  /**
   * The seq and content hash the projection holds for a producer pair whose message
   * won its seq; null if it holds none (never appended, its seq went to a
   * tombstone, or not projected yet). Producer pairs are never trimmed.
   */
  async producerPair(
    ref: ConversationRef,
    producerId: string,
    producerSeq: number,
  ): Promise<{ seq: number; contentHash: string } | null> {
    const pair = await this.pairs.findOneBy({
      tenantId: ref.tenantId,
      conversationId: ref.conversationId,
      producerId,
      producerSeq,
    });
    return pair && { seq: pair.seq, contentHash: pair.contentHash };
  }

  /** The highest index fence the projector has passed in any partition (0 before the first). */
  async highestIndexFence(): Promise<number> {
    const rows: { fence: string | null }[] = await this.offsets.query(
      `SELECT max(index_fence) AS fence FROM consumer_offsets WHERE consumer = $1 AND topic = $2`,
      [this.config.projectorGroupId, this.config.kafka.topic],
    );
    return Number(rows[0]?.fence ?? 0);
  }

  /** The projector's next offset per partition of the conversation topic. */
  async projectorOffsets(): Promise<Map<number, number>> {
    const rows = await this.offsets.findBy({
      consumer: this.config.projectorGroupId,
      topic: this.config.kafka.topic,
    });
    return new Map(rows.map((r) => [r.partition, r.nextOffset]));
  }
}
