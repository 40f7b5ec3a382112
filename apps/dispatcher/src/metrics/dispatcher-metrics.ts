import { Injectable } from '@nestjs/common';
import { Counter, Gauge, Histogram } from 'prom-client';
import { MetricsService } from '@threadline/observability';

/** The dispatcher's Prometheus metrics (docs/agents.md). Agents are labelled `<tenant>/<agent>`. */
@Injectable()
export class DispatcherMetrics {
  readonly ingested: Counter;
  readonly deliveries: Counter<'outcome'>;
  readonly attempts: Counter<'result'>;
  readonly attemptSeconds: Histogram<'result'>;
  readonly backlog: Gauge<'agent'>;
  readonly oldestPendingSeconds: Gauge<'agent'>;
  readonly circuitState: Gauge<'agent'>;
  readonly deadLettersUnpublished: Gauge;

  constructor(metrics: MetricsService) {
    this.ingested = metrics.counter(
      'threadline_dispatcher_ingested_total',
      'Messages put into a delivery (new or extended), one per receiving agent',
    );
    this.deliveries = metrics.counter(
      'threadline_dispatcher_deliveries_total',
      'Deliveries that reached an end: succeeded, failed (not retried), dead (attempts exhausted)',
      ['outcome'],
    );
    this.attempts = metrics.counter(
      'threadline_dispatcher_attempts_total',
      'Webhook attempts by result: reply, succeeded, retry, failed',
      ['result'],
    );
    this.attemptSeconds = metrics.histogram(
      'threadline_dispatcher_attempt_seconds',
      'Duration of one webhook attempt, until the answer was read or the attempt failed',
      ['result'],
    );
    this.backlog = metrics.gauge(
      'threadline_dispatcher_backlog',
      'Deliveries not finished yet (pending or replying), per agent',
      ['agent'],
    );
    this.oldestPendingSeconds = metrics.gauge(
      'threadline_dispatcher_oldest_pending_seconds',
      'Age of the oldest unfinished delivery, per agent',
      ['agent'],
    );
    this.circuitState = metrics.gauge(
      'threadline_dispatcher_circuit_state',
      "An agent's circuit in this instance: 0 closed, 1 half-open, 2 open",
      ['agent'],
    );
    this.deadLettersUnpublished = metrics.gauge(
      'threadline_dispatcher_dead_letters_unpublished',
      'Dead deliveries whose dead-letter record Kafka has not acknowledged yet',
    );
  }
}
