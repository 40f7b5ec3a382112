import { Injectable } from '@nestjs/common';
import { AppendService } from '../messages/append.service';
import { DeliveriesService } from './deliveries.service';
import { ReplyDto, ReplyResult } from './delivery.dto';

/**
 * Appends an agent's reply to a delivery: each message to the delivery's
 * conversation, in the delivery's tenant, as `agent:<the delivery's agent>`, with
 * the producer pair (`delivery:<id>`, index + 1). A retried reply is therefore
 * deduplicated by the producer-pair rules: the same seqs are answered again.
 */
@Injectable()
export class DeliveryRepliesService {
  constructor(
    private readonly deliveries: DeliveriesService,
    private readonly appends: AppendService,
  ) {}

  async reply(deliveryId: string, dto: ReplyDto): Promise<ReplyResult> {
    const delivery = await this.deliveries.find(deliveryId, null);
    const ref = { tenantId: delivery.tenantId, conversationId: delivery.conversationId };
    const actor = `agent:${delivery.agentId}`;
    const messages: ReplyResult['messages'] = [];
    for (const [index, message] of dto.messages.entries()) {
      messages.push(
        await this.appends.append(
          ref,
          actor,
          { message, producer_id: `delivery:${delivery.id}`, producer_seq: index + 1 },
          null,
        ),
      );
    }
    return { seqs: messages.map((m) => m.seq), messages };
  }
}
