import { Body, Controller, Get, Param, Post, Query } from '@nestjs/common';
import { CurrentPrincipal, Principal, RequireScopes } from '@threadline/auth';
import { ConversationView } from '../conversations/conversation.dto';
import { ConversationIdPipe } from '../http/conversation-id.pipe';
import { principalConversation } from '../http/principal-conversation';
import { ZodValidationPipe } from '../http/zod-validation.pipe';
import { ForkList, ForkListQuery, forkListQuerySchema, ForkRequestDto, forkRequestSchema } from './fork.dto';
import { ForksService } from './forks.service';

@Controller('v1/conversations')
export class ForksController {
  constructor(private readonly forks: ForksService) {}

  @Post(':id/fork')
  @RequireScopes('conversations:write', 'conversations:read')
  fork(
    @CurrentPrincipal() principal: Principal,
    @Param('id', ConversationIdPipe) id: string,
    @Body(
      new ZodValidationPipe(forkRequestSchema, 'bad_request', (path) =>
        path[0] === 'metadata' ? 'invalid_metadata' : undefined,
      ),
    )
    body: ForkRequestDto,
  ): Promise<ConversationView> {
    return this.forks.fork(principalConversation(principal, id), body);
  }

  @Get(':id/forks')
  @RequireScopes('conversations:read')
  list(
    @CurrentPrincipal() principal: Principal,
    @Param('id', ConversationIdPipe) id: string,
    @Query(new ZodValidationPipe(forkListQuerySchema, 'invalid_query')) query: ForkListQuery,
  ): Promise<ForkList> {
    return this.forks.list(principalConversation(principal, id), query);
  }
}
