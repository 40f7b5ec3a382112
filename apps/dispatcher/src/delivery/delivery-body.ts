import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { MESSAGE_COLUMNS, messageRowFromSql, MessageSqlRow } from '@threadline/persistence';
import { DISPATCHER_CONFIG, DispatcherConfig } from '../config/dispatcher.config';
import { ClaimedDelivery } from './claimed-delivery';
import { MessageView, toMessageView } from '@threadline/persistence';

/** The JSON body of every attempt of a delivery (docs/agents.md). */
export interface DeliveryBody {
  type: 'conversation.messages';
  delivery_id: string;
  agent_id: string;
  conversation: { id: string; metadata: Record<string, unknown>; version: number; last_seq: number };
  messages: unknown[];
  history: MessageView[];
}

interface ConversationSqlRow {
  metadata: Record<string, unknown>;
  version: string;
  last_seq: string;
}

/**
 * Builds a delivery's body from the projection: the conversation's metadata,
 * version and last seq, and the history the agent asked for (messages before
 * the delivery's first seq: none, the last `limit`, or the last
 * DISPATCHER_HISTORY_CAP for "entire"). The projection may trail the topic a
 * little; last_seq is never below the delivery's own.
 */
@Injectable()
export class DeliveryBodies {
  constructor(
    private readonly dataSource: DataSource,
    @Inject(DISPATCHER_CONFIG) private readonly config: DispatcherConfig,
  ) {}

  async build(delivery: ClaimedDelivery): Promise<DeliveryBody> {
    const [conversation] = await this.dataSource.query<ConversationSqlRow[]>(
      'SELECT metadata, version, last_seq FROM conversations WHERE tenant_id = $1 AND id = $2',
      [delivery.tenantId, delivery.conversationId],
    );
    return {
      type: 'conversation.messages',
      delivery_id: delivery.id,
      agent_id: delivery.agentId,
      conversation: {
        id: delivery.conversationId,
        metadata: conversation?.metadata ?? {},
        version: Number(conversation?.version ?? 0),
        last_seq: Math.max(Number(conversation?.last_seq ?? 0), delivery.lastSeq),
      },
      messages: delivery.messages,
      history: await this.history(delivery),
    };
  }

  private async history(delivery: ClaimedDelivery): Promise<MessageView[]> {
    const { historyMode, historyLimit } = delivery.agent;
    const limit =
      historyMode === 'none'
        ? 0
        : historyMode === 'tail'
          ? Math.min(historyLimit ?? 0, this.config.worker.historyCap)
          : this.config.worker.historyCap;
    if (limit === 0 || delivery.firstSeq <= 1) {
      return [];
    }
    const rows = await this.dataSource.query<MessageSqlRow[]>(
      `SELECT ${MESSAGE_COLUMNS.join(', ')} FROM messages
       WHERE tenant_id = $1 AND conversation_id = $2 AND seq < $3
       ORDER BY seq DESC LIMIT $4`,
      [delivery.tenantId, delivery.conversationId, delivery.firstSeq, limit],
    );
    return rows.reverse().map((row) => toMessageView(messageRowFromSql(row)));
  }
}
