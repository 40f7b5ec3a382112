import { performance } from 'node:perf_hooks';
import { Inject, Injectable } from '@nestjs/common';
import { CircuitBreakers } from '../circuit/circuit-breaker';
import { DISPATCHER_CONFIG, DispatcherConfig } from '../config/dispatcher.config';
import { DeadLetterPublisher } from '../dead-letters/dead-letter-publisher';
import { DispatcherMetrics } from '../metrics/dispatcher-metrics';
import { WebhookClient, WebhookUnreachableError } from '../webhook/webhook-client';
import { AttemptOutcome, classifyAnswer, responseExcerpt } from './attempt-outcome';
import { agentKey, ClaimedDelivery } from './claimed-delivery';
import { DeliveryBodies } from './delivery-body';
import { DeliveryChange } from './delivery-statements';
import { DeliveryStore } from './delivery-store';
import { ReplyPoster } from './reply-poster';
import { backoffCeilingMs, retryDelayMs } from './retry-policy';

/** The longest wait between two calls to the command for a reply it could not take. */
const REPLY_RETRY_MAX_MS = 30_000;
/** Beyond the command's timeout, how long a reply just recorded stays with this instance for its append. */
const REPLY_LEASE_MARGIN_MS = 5000;

/**
 * Runs one claimed delivery: an attempt (POST, classify, record, and on a reply
 * append it at once), or for a delivery already replying only the append, so
 * a webhook is never POSTed again for a reply it gave.
 */
@Injectable()
export class DeliveryAttempts {
  /** Per delivery, the calls to the command that failed in a row (for their back-off). */
  private readonly replyFailures = new Map<string, number>();

  constructor(
    private readonly store: DeliveryStore,
    private readonly bodies: DeliveryBodies,
    private readonly client: WebhookClient,
    private readonly replies: ReplyPoster,
    private readonly deadLetters: DeadLetterPublisher,
    private readonly circuits: CircuitBreakers,
    private readonly metrics: DispatcherMetrics,
    @Inject(DISPATCHER_CONFIG) private readonly config: DispatcherConfig,
  ) {}

  async run(delivery: ClaimedDelivery): Promise<void> {
    if (delivery.status === 'replying') {
      await this.appendReply(delivery, delivery.reply ?? []);
      return;
    }
    const body = JSON.stringify(await this.bodies.build(delivery));
    const startedAt = new Date();
    const started = performance.now();
    let outcome: AttemptOutcome;
    let httpStatus: number | null = null;
    let excerpt: string | null = null;
    try {
      const answer = await this.client.post({
        url: delivery.agent.webhookUrl,
        headers: delivery.agent.headers,
        timeoutMs: delivery.agent.timeoutMs,
        secrets: delivery.agent.secrets,
        id: delivery.id,
        payload: body,
      });
      httpStatus = answer.status;
      excerpt = responseExcerpt(answer.body);
      outcome = classifyAnswer(answer);
    } catch (error) {
      if (!(error instanceof WebhookUnreachableError)) {
        throw error;
      }
      outcome = { kind: 'retry', error: error.message, retryAfterMs: null };
    }
    const durationMs = Math.round(performance.now() - started);
    this.metrics.attempts.inc({ result: outcome.kind });
    this.metrics.attemptSeconds.observe({ result: outcome.kind }, durationMs / 1000);
    this.observeCircuit(delivery, outcome);
    const change = this.changeAfter(delivery, outcome);
    const error = outcome.kind === 'retry' || outcome.kind === 'failed' ? outcome.error : null;
    const applied = await this.store.finishAttempt(
      delivery,
      {
        deliveryId: delivery.id,
        attempt: delivery.attempts,
        startedAt,
        durationMs,
        httpStatus,
        responseExcerpt: excerpt,
        error,
      },
      change,
    );
    if (!applied) {
      return;
    }
    this.countEnd(change);
    if (change.status === 'dead') {
      this.deadLetters.publishSoon();
    }
    if (outcome.kind === 'reply') {
      await this.appendReply({ ...delivery, status: 'replying' }, outcome.messages);
    }
  }

  private changeAfter(delivery: ClaimedDelivery, outcome: AttemptOutcome): DeliveryChange {
    switch (outcome.kind) {
      case 'succeeded':
        return { status: 'succeeded', replyAppended: false };
      case 'reply':
        return {
          status: 'replying',
          reply: outcome.messages,
          leaseMs: this.config.command.timeoutMs + REPLY_LEASE_MARGIN_MS,
        };
      case 'failed':
        return { status: 'failed', error: outcome.error };
      case 'retry':
        if (delivery.attempts >= delivery.attemptsAllowed) {
          return {
            status: 'dead',
            error: `${outcome.error} (attempt ${delivery.attempts} of ${delivery.attemptsAllowed})`,
          };
        }
        return {
          status: 'pending',
          error: outcome.error,
          retryInMs: retryDelayMs(this.config.retry, delivery.attempts, outcome.retryAfterMs),
        };
    }
  }

  /** Only attempts that got no usable answer (connection, timeout, 408, 429, 5xx) count against the circuit. */
  private observeCircuit(delivery: ClaimedDelivery, outcome: AttemptOutcome): void {
    const agent = agentKey(delivery);
    if (outcome.kind === 'retry') {
      this.circuits.failed(agent);
    } else {
      this.circuits.succeeded(agent);
    }
    const state = this.circuits.state(agent);
    this.metrics.circuitState.set({ agent }, state === 'open' ? 2 : state === 'half_open' ? 1 : 0);
  }

  private async appendReply(delivery: ClaimedDelivery, messages: unknown[]): Promise<void> {
    const result = await this.replies.post(delivery.id, messages);
    let change: DeliveryChange;
    if (result.kind === 'retry') {
      const failures = (this.replyFailures.get(delivery.id) ?? 0) + 1;
      this.replyFailures.set(delivery.id, failures);
      const retryInMs = Math.min(backoffCeilingMs(this.config.retry, failures), REPLY_RETRY_MAX_MS);
      change = { status: 'replying', retryInMs, error: result.error };
    } else {
      this.replyFailures.delete(delivery.id);
      change =
        result.kind === 'appended'
          ? { status: 'succeeded', replyAppended: true }
          : { status: 'failed', error: result.error };
    }
    if (await this.store.finishReply(delivery, change)) {
      this.countEnd(change);
    }
  }

  private countEnd(change: DeliveryChange): void {
    if (change.status === 'succeeded' || change.status === 'failed' || change.status === 'dead') {
      this.metrics.deliveries.inc({ outcome: change.status });
    }
  }
}
