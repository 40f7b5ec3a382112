import { Controller, Get, Param, Query } from '@nestjs/common';
import { CurrentPrincipal, Principal, RequireScopes } from '@threadline/auth';
import { ConversationIdPipe } from '../http/conversation-id.pipe';
import { principalConversation } from '../http/principal-conversation';
import { MessagePage } from './message-view';
import { ReadQueryPipes } from './read-query.pipes';
import { ReadsService } from './reads.service';

@Controller('v1/conversations/:id')
export class ReadsController {
  constructor(
    private readonly reads: ReadsService,
    private readonly pipes: ReadQueryPipes,
  ) {}

  @Get('tail')
  @RequireScopes('conversations:read')
  tail(
    @CurrentPrincipal() principal: Principal,
    @Param('id', ConversationIdPipe) id: string,
    @Query() query: Record<string, string>,
  ): Promise<MessagePage> {
    return this.reads.tail(principalConversation(principal, id), this.pipes.tail.transform(query));
  }

  @Get('messages')
  @RequireScopes('conversations:read')
  replay(
    @CurrentPrincipal() principal: Principal,
    @Param('id', ConversationIdPipe) id: string,
    @Query() query: Record<string, string>,
  ): Promise<MessagePage> {
    return this.reads.replay(principalConversation(principal, id), this.pipes.replay.transform(query));
  }
}
