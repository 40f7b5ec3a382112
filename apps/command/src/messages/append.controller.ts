import { Body, Controller, HttpCode, HttpStatus, Param, Post } from '@nestjs/common';
import { CurrentPrincipal, Principal, RequireScopes } from '@threadline/auth';
import { ConversationIdPipe } from '../http/conversation-id.pipe';
import { principalConversation } from '../http/principal-conversation';
import { ZodValidationPipe } from '../http/zod-validation.pipe';
import { RequestBytes } from '../tenant-limits/request-bytes.decorator';
import { AppendMessageDto, appendErrorCode, appendMessageSchema, AppendResultView } from './append-message.dto';
import { AppendService } from './append.service';

@Controller('v1/conversations/:id/messages')
export class AppendController {
  constructor(private readonly appends: AppendService) {}

  @Post()
  @RequireScopes('messages:append')
  @HttpCode(HttpStatus.CREATED)
  /**
   * The actor recorded is the caller's subject; an `actor` in the body is not part of the schema and is dropped.
   * The request's bytes are charged to the tenant's append limits (docs/security.md, "Limits").
   */
  append(
    @CurrentPrincipal() principal: Principal,
    @Param('id', ConversationIdPipe) id: string,
    @Body(new ZodValidationPipe(appendMessageSchema, 'invalid_message', appendErrorCode)) body: AppendMessageDto,
    @RequestBytes() bytes: number,
  ): Promise<AppendResultView> {
    return this.appends.append(principalConversation(principal, id), principal.subject, body, bytes);
  }
}
