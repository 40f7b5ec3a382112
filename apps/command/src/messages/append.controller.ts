import { Body, Controller, HttpCode, HttpStatus, Param, Post, UseGuards } from '@nestjs/common';
import { RequireScopes } from '@threadline/auth';
import { ConversationIdPipe } from '../http/conversation-id.pipe';
import { ZodValidationPipe } from '../http/zod-validation.pipe';
import { AppendRateLimitGuard } from '../tenant-limits/append-rate-limit.guard';
import { AppendMessageDto, appendErrorCode, appendMessageSchema, AppendResultView } from './append-message.dto';
import { AppendService } from './append.service';

@Controller('v1/conversations/:id/messages')
export class AppendController {
  constructor(private readonly appends: AppendService) {}

  @Post()
  @RequireScopes('messages:append')
  @UseGuards(AppendRateLimitGuard)
  @HttpCode(HttpStatus.CREATED)
  append(
    @Param('id', ConversationIdPipe) id: string,
    @Body(new ZodValidationPipe(appendMessageSchema, 'invalid_message', appendErrorCode)) body: AppendMessageDto,
  ): Promise<AppendResultView> {
    return this.appends.append(id, body);
  }
}
