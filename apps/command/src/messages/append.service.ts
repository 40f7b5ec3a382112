import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import { ConversationRef, MessageBody, messageContentHash } from '@threadline/contracts';
import { MetricsService } from '@threadline/observability';
import { COMMAND_CONFIG, CommandConfig } from '../config/command.config';
import { EventPublisher } from '../event-log/event-publisher';
import { messageAppended } from '../event-log/event-factory';
import { ConversationDirectory } from '../head-index/conversation-directory';
import { HeadIndexService } from '../head-index/head-index.service';
import { ProjectionLookupService } from '../head-index/projection-lookup.service';
import { ApiError } from '@threadline/errors';
import { TenantRateLimiter } from '../tenant-limits/tenant-rate-limiter';
import { AppendMessageDto, AppendResultView } from './append-message.dto';
import { checkMessageLimits, estimateTokenCount } from './message-limits';

/**
 * The write path: validate, one atomic decision in the head index (dedupe hit,
 * version conflict, or reserve head + 1), produce the event stamped with the
 * index epoch, and acknowledge only once Kafka has it durably AND the epoch is
 * still the trusted one (a rebuild in between may have fenced the event off).
 * docs/consistency.md walks through every failure.
 */
@Injectable()
export class AppendService {
  private readonly outcomes;
  private readonly latency;

  constructor(
    private readonly index: HeadIndexService,
    private readonly directory: ConversationDirectory,
    private readonly publisher: EventPublisher,
    private readonly projection: ProjectionLookupService,
    private readonly limiter: TenantRateLimiter,
    @Inject(COMMAND_CONFIG) private readonly config: CommandConfig,
    metrics: MetricsService,
  ) {
    this.outcomes = metrics.counter('threadline_command_appends_total', 'Append requests by outcome', ['outcome']);
    this.latency = metrics.histogram('threadline_command_append_seconds', 'Append latency until acknowledged');
  }

  /**
   * Appends as `actor`, the authenticated subject of the request. `chargedBytes` (the
   * request's size) is taken from the tenant's append buckets in the same Redis step as
   * the first decision, once per request; null for appends the limits do not apply to
   * (delivery replies, run commits).
   */
  async append(
    ref: ConversationRef,
    actor: string,
    dto: AppendMessageDto,
    chargedBytes: number | null,
  ): Promise<AppendResultView> {
    const started = performance.now();
    const deadline = started + this.config.append.ackTimeoutMs;
    const message: MessageBody = {
      ...dto.message,
      metadata: dto.message.metadata ?? {},
      token_count: dto.message.token_count ?? estimateTokenCount(dto.message),
    };
    checkMessageLimits(message, this.config.limits);
    const producer = dto.producer_id !== undefined ? { id: dto.producer_id, seq: dto.producer_seq as number } : null;
    const request = {
      conversation: ref,
      ifVersion: dto.if_version ?? null,
      pairField: producer ? `${producer.id}\n${producer.seq}` : null,
      contentHash: messageContentHash(message),
      pairChecked: false,
      charge: chargedBytes === null ? null : this.limiter.chargeFor(ref.tenantId, chargedBytes),
    };
    const tokenCount = message.token_count as number;

    for (let attempt = 0; attempt < 4; attempt += 1) {
      const decision = await this.index.decideAppend(request);
      request.charge = null;
      switch (decision.kind) {
        case 'rate_limited':
          throw this.rejected('rate_limited', this.limiter.refusal(ref.tenantId, decision.waitMs));
        case 'rebuilding':
          this.outcomes.inc({ outcome: 'rebuilding' });
          return this.directory.throwRebuilding();
        case 'missing':
          if (!(await this.directory.hydrate(ref, this.config.append.ackTimeoutMs))) {
            throw this.rejected('not_found', ApiError.notFound(ref.conversationId));
          }
          continue;
        case 'not_found':
          throw this.rejected('not_found', ApiError.notFound(ref.conversationId));
        case 'tombstoned':
          throw this.rejected('tombstoned', ApiError.tombstoned());
        case 'pair_unknown': {
          const known = await this.projection.producerPair(ref, producer?.id ?? '', producer?.seq ?? 0);
          if (known) {
            await this.index.restorePair(ref, request.pairField as string, known.seq, known.contentHash);
          } else {
            request.pairChecked = true;
          }
          continue;
        }
        case 'conflict':
          throw this.rejected(
            'conflict',
            new ApiError(HttpStatus.CONFLICT, 'conflict', `Version mismatch (current: ${decision.currentVersion})`, {
              current_version: decision.currentVersion,
            }),
          );
        case 'replay_conflict':
          throw this.rejected(
            'replay_conflict',
            new ApiError(
              HttpStatus.CONFLICT,
              'producer_replay_conflict',
              `producer_seq ${producer?.seq} of producer ${producer?.id} was already used with different content (seq ${decision.seq})`,
              { seq: decision.seq },
            ),
          );
        case 'deduped':
          this.outcomes.inc({ outcome: 'deduped' });
          return { seq: decision.seq, version: decision.seq, token_count: tokenCount, deduped: true };
        case 'abandoned': {
          const winner = await this.projection.messageAt(ref, decision.seq);
          if (!winner) {
            throw this.rejected(
              'unavailable',
              ApiError.unavailable(
                'outcome_pending',
                'The outcome of the earlier attempt is not settled yet; retry',
                1,
              ),
            );
          }
          const messageWon =
            winner.kind === 'message' && winner.producerId === producer?.id && winner.producerSeq === producer?.seq;
          await this.index.resolvePair(ref, request.pairField as string, decision.seq, messageWon);
          if (messageWon) {
            this.outcomes.inc({ outcome: 'deduped' });
            return { seq: decision.seq, version: decision.seq, token_count: tokenCount, deduped: true };
          }
          continue;
        }
        case 'inflight': {
          const budget = Math.min(
            deadline - performance.now(),
            this.config.append.ackTimeoutMs - decision.msSinceReservation,
          );
          await this.produce(ref, decision.seq, decision.epoch, message, producer, actor, budget);
          await this.confirm(ref, decision.seq, decision.epoch, request.pairField);
          this.outcomes.inc({ outcome: 'deduped' });
          return { seq: decision.seq, version: decision.seq, token_count: tokenCount, deduped: true };
        }
        case 'reserved': {
          await this.produce(ref, decision.seq, decision.epoch, message, producer, actor, deadline - performance.now());
          await this.confirm(ref, decision.seq, decision.epoch, request.pairField);
          this.outcomes.inc({ outcome: 'appended' });
          this.latency.observe((performance.now() - started) / 1000);
          return { seq: decision.seq, version: decision.seq, token_count: tokenCount, deduped: false };
        }
      }
    }
    throw this.rejected('unavailable', ApiError.unavailable('index_busy', 'The head index kept changing; retry', 1));
  }

  /**
   * The event counts only if Kafka acknowledged it within the budget: an ack that
   * comes later is answered 503 and settled by the hole reaper like any other
   * unacknowledged reservation.
   */
  private async produce(
    ref: ConversationRef,
    seq: number,
    epoch: number,
    message: MessageBody,
    producer: { id: string; seq: number } | null,
    actor: string,
    budgetMs: number,
  ): Promise<void> {
    if (budgetMs <= 0) {
      throw this.rejected(
        'unavailable',
        ApiError.unavailable('kafka_timeout', 'The event log did not acknowledge in time', 1),
      );
    }
    try {
      await this.publisher.publish(messageAppended(ref, seq, message, producer, actor, epoch), budgetMs);
    } catch {
      throw this.rejected(
        'unavailable',
        ApiError.unavailable('kafka_unavailable', 'The event log did not acknowledge the append; retry', 1),
      );
    }
  }

  /**
   * The event is durable; it counts only if no rebuild fenced its epoch off before
   * it landed. The epoch still being the trusted one after Kafka's ack proves that
   * (a fence is only written once the epoch key is gone). Otherwise, or when Redis
   * cannot say, the outcome is unknown: 503, and a retry of the pair settles it.
   */
  private async confirm(ref: ConversationRef, seq: number, epoch: number, pairField: string | null): Promise<void> {
    const confirmation = await this.index.acknowledgeAppend(ref, seq, pairField, epoch).catch((): 'fenced' => 'fenced');
    if (confirmation === 'fenced') {
      throw this.rejected('unknown', ApiError.outcomeUnknown());
    }
  }

  private rejected(outcome: string, error: ApiError): ApiError {
    this.outcomes.inc({ outcome });
    return error;
  }
}
