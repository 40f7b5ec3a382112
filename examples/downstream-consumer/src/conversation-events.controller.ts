import { Controller, Get, NotFoundException, Param } from '@nestjs/common';
import { Ctx, EventPattern, KafkaContext } from '@nestjs/microservices';
import { ConversationRef, conversationKey, DEFAULT_TENANT } from '@threadline/contracts';
import { ConversationCount, MessageCounts } from './message-counts';

/** The topic this example follows; @EventPattern needs it when the class is declared. */
export const CONVERSATION_TOPIC = process.env.KAFKA_TOPIC ?? 'threadline.conversations.v1';

/**
 * Each record of the conversation topic arrives here through Nest's Kafka
 * transport, one at a time and in order per partition, with its value kept as
 * bytes (`parser.keepBinary`) so the contracts lib decodes it exactly as every
 * Threadline consumer does. The HTTP side shows what was derived.
 */
@Controller('counts')
export class ConversationEventsController {
  constructor(private readonly counts: MessageCounts) {}

  @EventPattern(CONVERSATION_TOPIC)
  onRecord(@Ctx() context: KafkaContext): void {
    const message = context.getMessage();
    this.counts.apply(context.getPartition(), { value: message.value, timestamp: message.timestamp });
  }

  /** A conversation of the default tenant (every conversation from before tenants). */
  @Get(':conversationId')
  count(@Param('conversationId') conversationId: string): ConversationCount {
    return this.countOf({ tenantId: DEFAULT_TENANT, conversationId });
  }

  @Get(':tenantId/:conversationId')
  countInTenant(
    @Param('tenantId') tenantId: string,
    @Param('conversationId') conversationId: string,
  ): ConversationCount {
    return this.countOf({ tenantId, conversationId });
  }

  private countOf(conversation: ConversationRef): ConversationCount {
    const count = this.counts.get(conversation);
    if (!count) {
      throw new NotFoundException(`no events seen for ${conversationKey(conversation)}`);
    }
    return count;
  }
}
