import { HttpStatus, Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { contentHash, MessageBody } from '@threadline/contracts';
import { MetricsService } from '@threadline/observability';
import { COMMAND_CONFIG, CommandConfig } from '../config/command.config';
import { EventPublisher } from '../event-log/event-publisher.service';
import { messageAppended } from '../event-log/event-factory';
import { ConversationDirectory } from '../head-index/conversation-directory.service';
import { HeadIndexService } from '../head-index/head-index.service';
import { ProjectionLookupService } from '../head-index/projection-lookup.service';
import { ApiError } from '../http/api-error';
import { AppendMessageDto, AppendResultView } from './append-message.dto';

import { checkMessageLimits, estimateTokenCount } from './message-limits';

/**
 * The write path: validate, one atomic decision in the head index (dedupe hit,
 * version conflict, or reserve head + 1), produce the event, acknowledge only
 * once Kafka has it durably. docs/consistency.md walks through every failure.
 *
 * Marking the reservation acknowledged in Redis runs after the answer, not
 * before it: the event is durable already, and a mark that never lands only lets
 * the hole reaper produce a tombstone that loses to the message (first wins).
 * Shutdown waits for the marks still in flight.
 */
@Injectable()
export class AppendService implements OnApplicationShutdown {
  private readonly logger = new Logger(AppendService.name);
  private readonly outcomes;
  private readonly latency;
  private readonly markFailures;
  private readonly marking = new Set<Promise<void>>();

  constructor(
    private readonly index: HeadIndexService,
    private readonly directory: ConversationDirectory,
    private readonly publisher: EventPublisher,
    private readonly projection: ProjectionLookupService,
    @Inject(COMMAND_CONFIG) private readonly config: CommandConfig,
    metrics: MetricsService,
  ) {
    this.outcomes = metrics.counter('threadline_command_appends_total', 'Append requests by outcome', ['outcome']);
    this.latency = metrics.histogram('threadline_command_append_seconds', 'Append latency until acknowledged');
    this.markFailures = metrics.counter(
      'threadline_command_ack_mark_failures_total',
      'Durable appends whose reservation could not be marked acknowledged in Redis (the hole reaper settles them)',
    );
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all(this.marking);
  }

  async append(conversationId: string, dto: AppendMessageDto): Promise<AppendResultView> {
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
      conversationId,
      ifVersion: dto.if_version ?? null,
      pairField: producer ? `${producer.id}\n${producer.seq}` : null,
      contentHash: contentHash(message),
    };
    const tokenCount = message.token_count as number;

    for (let attempt = 0; attempt < 3; attempt += 1) {
      const decision = await this.index.decideAppend(request);
      switch (decision.kind) {
        case 'rebuilding':
          this.outcomes.inc({ outcome: 'rebuilding' });
          return this.directory.throwRebuilding();
        case 'missing':
          if (!(await this.directory.hydrate(conversationId, this.config.append.ackTimeoutMs))) {
            throw this.rejected('not_found', ApiError.notFound(conversationId));
          }
          continue;
        case 'not_found':
          throw this.rejected('not_found', ApiError.notFound(conversationId));
        case 'tombstoned':
          throw this.rejected('tombstoned', ApiError.tombstoned());
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
          const winner = await this.projection.messageAt(conversationId, decision.seq);
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
          await this.index.resolvePair(conversationId, request.pairField as string, decision.seq, messageWon);
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
          await this.produce(conversationId, decision.seq, message, producer, budget);
          this.markAcknowledged(conversationId, decision.seq, request.pairField);
          this.outcomes.inc({ outcome: 'deduped' });
          return { seq: decision.seq, version: decision.seq, token_count: tokenCount, deduped: true };
        }
        case 'reserved': {
          await this.produce(conversationId, decision.seq, message, producer, deadline - performance.now());
          this.markAcknowledged(conversationId, decision.seq, request.pairField);
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
    conversationId: string,
    seq: number,
    message: MessageBody,
    producer: { id: string; seq: number } | null,
    budgetMs: number,
  ): Promise<void> {
    if (budgetMs <= 0) {
      throw this.rejected(
        'unavailable',
        ApiError.unavailable('kafka_timeout', 'The event log did not acknowledge in time', 1),
      );
    }
    try {
      await this.publisher.publish(messageAppended(conversationId, seq, message, producer), budgetMs);
    } catch {
      throw this.rejected(
        'unavailable',
        ApiError.unavailable('kafka_unavailable', 'The event log did not acknowledge the append; retry', 1),
      );
    }
  }

  private markAcknowledged(conversationId: string, seq: number, pairField: string | null): void {
    const mark: Promise<void> = this.index
      .acknowledgeAppend(conversationId, seq, pairField)
      .catch((error: Error) => {
        this.markFailures.inc();
        this.logger.warn(
          `seq ${seq} of ${conversationId} is durable but could not be marked acknowledged: ${error.message}; ` +
            'the hole reaper settles it and the message wins',
        );
      })
      .finally(() => this.marking.delete(mark));
    this.marking.add(mark);
  }

  private rejected(outcome: string, error: ApiError): ApiError {
    this.outcomes.inc({ outcome });
    return error;
  }
}
