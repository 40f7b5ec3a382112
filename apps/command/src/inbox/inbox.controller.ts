import { Body, Controller, Get, Param, Put, Query } from '@nestjs/common';
import { CurrentPrincipal, Principal, RequireScopes } from '@threadline/auth';
import { ConversationIdPipe } from '../http/conversation-id.pipe';
import { principalConversation } from '../http/principal-conversation';
import { ZodValidationPipe } from '../http/zod-validation.pipe';
import {
  InboxPageView,
  InboxQuery,
  inboxQuerySchema,
  ReadCursorDto,
  readCursorSchema,
  ReadCursorView,
} from './inbox.dto';
import { InboxService } from './inbox.service';
import { ParticipantIdPipe } from './participant-id.pipe';

@Controller('v1')
export class InboxController {
  constructor(private readonly inbox: InboxService) {}

  @Put('conversations/:id/read')
  @RequireScopes('conversations:read')
  markRead(
    @CurrentPrincipal() principal: Principal,
    @Param('id', ConversationIdPipe) id: string,
    @Body(new ZodValidationPipe(readCursorSchema, 'bad_request')) body: ReadCursorDto,
  ): Promise<ReadCursorView> {
    return this.inbox.markRead(principal, principalConversation(principal, id), body.seq);
  }

  @Get('participants/:participantId/inbox')
  @RequireScopes('conversations:read')
  read(
    @CurrentPrincipal() principal: Principal,
    @Param('participantId', ParticipantIdPipe) participantId: string,
    @Query(new ZodValidationPipe(inboxQuerySchema, 'invalid_query')) query: InboxQuery,
  ): Promise<InboxPageView> {
    return this.inbox.inbox(principal, participantId, query);
  }
}
