import { Body, Controller, Get, HttpCode, HttpStatus, Param, Post, Query } from '@nestjs/common';
import { CurrentPrincipal, Principal, RequireScopes } from '@threadline/auth';
import { AgentIdPipe } from '../agents/agent-id.pipe';
import { ZodValidationPipe } from '../http/zod-validation.pipe';
import { DeliveriesService } from './deliveries.service';
import { DeliveryRepliesService } from './delivery-replies.service';
import {
  DeliveryDetailView,
  DeliveryList,
  DeliveryView,
  ListDeliveriesQuery,
  listDeliveriesQuerySchema,
  ReplyDto,
  replyErrorCode,
  ReplyResult,
  replySchema,
} from './delivery.dto';

/** An agent's delivery log, in the caller's tenant. */
@Controller('v1/agents/:id/deliveries')
@RequireScopes('agents:manage')
export class AgentDeliveriesController {
  constructor(private readonly deliveries: DeliveriesService) {}

  @Get()
  list(
    @CurrentPrincipal() principal: Principal,
    @Param('id', AgentIdPipe) agentId: string,
    @Query(new ZodValidationPipe(listDeliveriesQuerySchema, 'invalid_query')) query: ListDeliveriesQuery,
  ): Promise<DeliveryList> {
    return this.deliveries.listForAgent(principal.tenantId, agentId, query);
  }
}

@Controller('v1/deliveries/:id')
export class DeliveriesController {
  constructor(
    private readonly deliveries: DeliveriesService,
    private readonly replies: DeliveryRepliesService,
  ) {}

  @Get()
  @RequireScopes('agents:manage')
  get(@CurrentPrincipal() principal: Principal, @Param('id') id: string): Promise<DeliveryDetailView> {
    return this.deliveries.get(principal.tenantId, id);
  }

  @Post('redeliver')
  @RequireScopes('agents:manage')
  @HttpCode(HttpStatus.ACCEPTED)
  redeliver(@CurrentPrincipal() principal: Principal, @Param('id') id: string): Promise<DeliveryView> {
    return this.deliveries.redeliver(principal.tenantId, id);
  }

  /**
   * A platform route (scope deliveries:reply, for the dispatcher's credential): the
   * delivery alone decides the tenant, conversation and actor, never the caller.
   */
  @Post('replies')
  @RequireScopes('deliveries:reply')
  @HttpCode(HttpStatus.OK)
  reply(
    @Param('id') id: string,
    @Body(new ZodValidationPipe(replySchema, 'invalid_message', replyErrorCode)) body: ReplyDto,
  ): Promise<ReplyResult> {
    return this.replies.reply(id, body);
  }
}
