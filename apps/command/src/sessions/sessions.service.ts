import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { ConversationRef, CreatorPrincipal, messageOfEvent } from '@threadline/contracts';
import { ApiError } from '@threadline/errors';
import { COMMAND_CONFIG, CommandConfig } from '../config/command.config';
import { ConversationHeaderService } from '../conversations/conversation-header.service';
import { ConversationsService } from '../conversations/conversations.service';
import { ConversationDirectory } from '../head-index/conversation-directory';
import { ConversationRecord } from '../head-index/conversation-record';
import { checkMetadataLimit } from '../messages/message-limits';
import { AppendService } from '../messages/append.service';
import { inSessionTerms } from './session-errors';
import {
  AppendEventDto,
  AppendEventResult,
  CreateSessionDto,
  PatchSessionDto,
  SessionView,
  toSessionView,
} from './session.dto';

/** The id a session created without one gets: `ses_` and 24 random hex digits. */
export function newSessionId(): string {
  return `ses_${randomBytes(12).toString('hex')}`;
}

/**
 * Starcite's session API over conversations: a session is a conversation (same
 * id, tenant, seqs and log); creates, header updates and appends go through the
 * conversation services, and errors are answered in Starcite's codes.
 */
@Injectable()
export class SessionsService {
  constructor(
    private readonly conversations: ConversationsService,
    private readonly headers: ConversationHeaderService,
    private readonly appends: AppendService,
    private readonly directory: ConversationDirectory,
    @Inject(COMMAND_CONFIG) private readonly config: CommandConfig,
  ) {}

  /** 409 session_exists when the id is taken; acknowledged once the create event is durable. */
  create(tenantId: string, dto: CreateSessionDto, creator: CreatorPrincipal): Promise<SessionView> {
    const ref = { tenantId, conversationId: dto.id ?? newSessionId() };
    const metadata = dto.metadata ?? {};
    return inSessionTerms(async () => {
      checkMetadataLimit(metadata, this.config.limits, 'metadata');
      if ((await this.directory.find(ref, this.config.append.ackTimeoutMs))?.created) {
        throw new ApiError(HttpStatus.CONFLICT, 'session_exists', `Session ${ref.conversationId} already exists`);
      }
      const record = await this.conversations.create(ref, metadata, [], { title: dto.title ?? null, creator });
      return toSessionView(record);
    });
  }

  get(ref: ConversationRef): Promise<SessionView> {
    return inSessionTerms(async () => toSessionView(await this.existing(ref)));
  }

  /** Title replaced when given (null clears it), metadata merged key by key (shallow). */
  patch(ref: ConversationRef, dto: PatchSessionDto): Promise<SessionView> {
    return inSessionTerms(async () => {
      const record = await this.headers.update(
        ref,
        (current) => ({
          title: dto.title === undefined ? current.title : dto.title,
          metadata: { ...current.metadata, ...dto.metadata },
          archived: current.archived,
        }),
        dto.expected_version,
      );
      return toSessionView(record);
    });
  }

  /** Archiving hides a session from the default listing; it stays readable and writable. */
  setArchived(ref: ConversationRef, archived: boolean): Promise<SessionView> {
    return inSessionTerms(async () =>
      toSessionView(await this.headers.update(ref, (current) => ({ ...current, archived }))),
    );
  }

  /**
   * Appends the event as a message (messageOfEvent) through the conversation
   * append path, as `actor`, the caller's subject; `expected_seq` is the head seq
   * the append expects (if_version).
   */
  append(ref: ConversationRef, actor: string, dto: AppendEventDto, chargedBytes: number): Promise<AppendEventResult> {
    return inSessionTerms(async () => {
      const result = await this.appends.append(
        ref,
        actor,
        {
          message: messageOfEvent(dto, actor),
          if_version: dto.expected_seq,
          producer_id: dto.producer_id,
          producer_seq: dto.producer_seq,
        },
        chargedBytes,
      );
      const lastSeq = result.deduped ? Math.max(result.seq, (await this.existing(ref)).version) : result.seq;
      return { seq: result.seq, last_seq: lastSeq, deduped: result.deduped };
    }, dto.expected_seq);
  }

  private async existing(ref: ConversationRef): Promise<ConversationRecord> {
    const record = await this.directory.find(ref, this.config.append.ackTimeoutMs);
    if (!record?.created) {
      throw ApiError.notFound(ref.conversationId);
    }
    return record;
  }
}
