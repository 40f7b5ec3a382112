import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Param, Put } from '@nestjs/common';
import { RequireScopes } from '@threadline/auth';
import { ConversationIdPipe } from '../http/conversation-id.pipe';
import { ZodValidationPipe } from '../http/zod-validation.pipe';
import { ConversationView, UpsertConversationDto, upsertConversationSchema } from './conversation.dto';
import { ConversationsService } from './conversations.service';

@Controller('v1/conversations')
export class ConversationsController {
  constructor(private readonly conversations: ConversationsService) {}

  @Put(':id')
  @RequireScopes('conversations:write')
  upsert(
    @Param('id', ConversationIdPipe) id: string,
    @Body(new ZodValidationPipe(upsertConversationSchema, 'invalid_metadata')) body: UpsertConversationDto,
  ): Promise<ConversationView> {
    return this.conversations.upsert(id, body.metadata ?? {});
  }

  @Get(':id')
  @RequireScopes('conversations:read')
  get(@Param('id', ConversationIdPipe) id: string): Promise<ConversationView> {
    return this.conversations.get(id);
  }

  @Delete(':id')
  @RequireScopes('conversations:write')
  @HttpCode(HttpStatus.NO_CONTENT)
  delete(@Param('id', ConversationIdPipe) id: string): Promise<void> {
    return this.conversations.delete(id);
  }
}
