import { Body, Controller, Get, HttpCode, HttpStatus, Param, Patch, Post, Query } from '@nestjs/common';
import { CurrentPrincipal, Principal, RequireScopes } from '@threadline/auth';
import { ApiError } from '@threadline/errors';
import { creatorPrincipal, principalConversation } from '../http/principal-conversation';
import { ZodValidationPipe } from '../http/zod-validation.pipe';
import { ConversationListingService, SessionListView } from '../listing/conversation-listing.service';
import { ListRequest } from '../listing/list-query';
import { ListQueryPipe } from '../listing/list-query.pipe';
import { ReadQueryPipes } from '../reads/read-query.pipes';
import { ReadsService } from '../reads/reads.service';
import { RequestBytes } from '../tenant-limits/request-bytes.decorator';
import {
  AppendEventDto,
  appendEventErrorCode,
  AppendEventResult,
  appendEventSchema,
  CreateSessionDto,
  createSessionSchema,
  PatchSessionDto,
  patchSessionSchema,
  sessionHeaderErrorCode,
  SessionView,
} from './session.dto';
import { inSessionTerms } from './session-errors';
import { SessionEventPage, sessionEventPage } from './session-events';
import { SessionIdPipe } from './session-id.pipe';
import { SessionsService } from './sessions.service';

/** Starcite's session API: sessions are the tenant's conversations (docs/api.md, "Sessions (Starcite-compatible)"). */
@Controller('v1/sessions')
export class SessionsController {
  constructor(
    private readonly sessions: SessionsService,
    private readonly listing: ConversationListingService,
    private readonly reads: ReadsService,
    private readonly pipes: ReadQueryPipes,
  ) {}

  /** A token pinned to one conversation creates only that one (its id when the body names none). */
  @Post()
  @RequireScopes('conversations:write')
  @HttpCode(HttpStatus.CREATED)
  create(
    @CurrentPrincipal() principal: Principal,
    @Body(new ZodValidationPipe(createSessionSchema, 'bad_request', sessionHeaderErrorCode)) body: CreateSessionDto,
  ): Promise<SessionView> {
    const pinned = principal.conversationId;
    if (pinned !== undefined && body.id !== undefined && body.id !== pinned) {
      throw new ApiError(
        HttpStatus.FORBIDDEN,
        'forbidden_conversation',
        'This token is pinned to another conversation',
      );
    }
    return this.sessions.create(principal.tenantId, { ...body, id: body.id ?? pinned }, creatorPrincipal(principal));
  }

  @Get()
  @RequireScopes('conversations:read')
  list(@CurrentPrincipal() principal: Principal, @Query(ListQueryPipe) query: ListRequest): Promise<SessionListView> {
    return this.listing.sessions(principal, query);
  }

  @Get(':id')
  @RequireScopes('conversations:read')
  get(@CurrentPrincipal() principal: Principal, @Param('id', SessionIdPipe) id: string): Promise<SessionView> {
    return this.sessions.get(principalConversation(principal, id));
  }

  /** Threadline's REST read of a session (Starcite tails over WebSocket only): events after `cursor`. */
  @Get(':id/events')
  @RequireScopes('conversations:read')
  async events(
    @CurrentPrincipal() principal: Principal,
    @Param('id', SessionIdPipe) id: string,
    @Query() query: Record<string, string>,
  ): Promise<SessionEventPage> {
    const { cursor, ...rest } = query;
    const replay = this.pipes.replay.transform({ ...rest, ...(cursor === undefined ? {} : { from: cursor }) });
    const page = await inSessionTerms(() =>
      this.reads.replay(principalConversation(principal, id), { ...replay, from: replay.from + 1 }),
    );
    return sessionEventPage(page);
  }

  @Patch(':id')
  @RequireScopes('conversations:write')
  patch(
    @CurrentPrincipal() principal: Principal,
    @Param('id', SessionIdPipe) id: string,
    @Body(new ZodValidationPipe(patchSessionSchema, 'bad_request', sessionHeaderErrorCode)) body: PatchSessionDto,
  ): Promise<SessionView> {
    return this.sessions.patch(principalConversation(principal, id), body);
  }

  @Post(':id/archive')
  @RequireScopes('conversations:write')
  @HttpCode(HttpStatus.OK)
  archive(@CurrentPrincipal() principal: Principal, @Param('id', SessionIdPipe) id: string): Promise<SessionView> {
    return this.sessions.setArchived(principalConversation(principal, id), true);
  }

  @Post(':id/unarchive')
  @RequireScopes('conversations:write')
  @HttpCode(HttpStatus.OK)
  unarchive(@CurrentPrincipal() principal: Principal, @Param('id', SessionIdPipe) id: string): Promise<SessionView> {
    return this.sessions.setArchived(principalConversation(principal, id), false);
  }

  /** `actor`, when given, must be the caller's subject (403 forbidden_actor): an actor is never taken from a body. */
  @Post(':id/append')
  @RequireScopes('messages:append')
  @HttpCode(HttpStatus.CREATED)
  append(
    @CurrentPrincipal() principal: Principal,
    @Param('id', SessionIdPipe) id: string,
    @Body(new ZodValidationPipe(appendEventSchema, 'invalid_event', appendEventErrorCode)) body: AppendEventDto,
    @RequestBytes() bytes: number,
  ): Promise<AppendEventResult> {
    if (body.actor !== undefined && body.actor !== principal.subject) {
      throw new ApiError(
        HttpStatus.FORBIDDEN,
        'forbidden_actor',
        `actor: must be the authenticated subject (${principal.subject}) or omitted`,
      );
    }
    return this.sessions.append(principalConversation(principal, id), principal.subject, body, bytes);
  }
}
