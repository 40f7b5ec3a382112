import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Param, Put, Query } from '@nestjs/common';
import { CurrentPrincipal, Principal, RequireScopes } from '@threadline/auth';
import { ConversationIdPipe } from '../http/conversation-id.pipe';
import { creatorPrincipal, principalConversation } from '../http/principal-conversation';
import { ZodValidationPipe } from '../http/zod-validation.pipe';
import { ConversationListingService, ConversationListView } from '../listing/conversation-listing.service';
import { ListRequest } from '../listing/list-query';
import { ListQueryPipe } from '../listing/list-query.pipe';
import { ConversationView, UpsertConversationDto, upsertConversationSchema, upsertErrorCode } from './conversation.dto';
import { ConversationsService } from './conversations.service';

@Controller('v1/conversations')
export class ConversationsController {
  constructor(
    private readonly conversations: ConversationsService,
    private readonly listing: ConversationListingService,
  ) {}

  /** The tenant's conversations, a page at a time (docs/api.md, "Listing conversations"). */
  @Get()
  @RequireScopes('conversations:read')
  list(
    @CurrentPrincipal() principal: Principal,
    @Query(ListQueryPipe) query: ListRequest,
  ): Promise<ConversationListView> {
    return this.listing.conversations(principal, query);
  }

  @Put(':id')
  @RequireScopes('conversations:write')
  upsert(
    @CurrentPrincipal() principal: Principal,
    @Param('id', ConversationIdPipe) id: string,
    @Body(new ZodValidationPipe(upsertConversationSchema, 'invalid_metadata', upsertErrorCode))
    body: UpsertConversationDto,
  ): Promise<ConversationView> {
    return this.conversations.upsert(principalConversation(principal, id), body, creatorPrincipal(principal));
  }

  @Get(':id')
  @RequireScopes('conversations:read')
  get(
    @CurrentPrincipal() principal: Principal,
    @Param('id', ConversationIdPipe) id: string,
  ): Promise<ConversationView> {
    return this.conversations.get(principalConversation(principal, id));
  }

  @Delete(':id')
  @RequireScopes('conversations:write')
  @HttpCode(HttpStatus.NO_CONTENT)
  delete(@CurrentPrincipal() principal: Principal, @Param('id', ConversationIdPipe) id: string): Promise<void> {
    return this.conversations.delete(principalConversation(principal, id));
  }
}
