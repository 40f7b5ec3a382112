import { Injectable } from '@nestjs/common';
import { Counter, Gauge } from 'prom-client';
import { MetricsService } from '@threadline/observability';

export type ClientProtocol = 'phoenix' | 'ws' | 'sse';

/** The realtime service's own metrics, created once on the shared registry. */
@Injectable()
export class RealtimeMetrics {
  readonly connectedClients: Gauge<'protocol'>;
  readonly subscriptions: Gauge<'protocol'>;
  readonly delivered: Counter<'protocol' | 'type'>;
  readonly gaps: Counter;
  readonly slowConsumerCloses: Counter<'protocol'>;
  readonly clientViolations: Counter<'protocol' | 'reason'>;
  readonly poison: Counter;
  readonly fenced: Counter;
  readonly runRecordsSkipped: Counter<'why'>;
  readonly consumerLag: Gauge<'topic' | 'partition'>;
  readonly consumerRestarts: Counter<'topic'>;

  constructor(metrics: MetricsService) {
    this.connectedClients = metrics.gauge('threadline_realtime_connected_clients', 'Connected clients', ['protocol']);
    this.subscriptions = metrics.gauge(
      'threadline_realtime_subscriptions',
      'Conversation streams being followed (a Phoenix socket may hold several)',
      ['protocol'],
    );
    this.delivered = metrics.counter('threadline_realtime_events_delivered_total', 'Frames queued to clients', [
      'protocol',
      'type',
    ]);
    this.gaps = metrics.counter('threadline_realtime_gaps_total', 'Gap events emitted for seqs never found');
    this.slowConsumerCloses = metrics.counter(
      'threadline_realtime_slow_consumer_closes_total',
      'Clients closed because they left too many bytes unread (4408)',
      ['protocol'],
    );
    this.clientViolations = metrics.counter(
      'threadline_realtime_client_violations_total',
      'WebSockets closed for what the client sent: a message over 64 KiB, invalid UTF-8, a frame that breaks RFC 6455 or the protocol',
      ['protocol', 'reason'],
    );
    this.poison = metrics.counter(
      'threadline_realtime_poison_records_total',
      'Topic records that do not decode (the poison rule): delivered as their stand-in tombstone, or skipped when they name no seq',
    );
    this.fenced = metrics.counter(
      'threadline_realtime_fenced_events_total',
      "Events not delivered because of the fence rule: decided in an index epoch below their partition's index fence (docs/events.md rule 6)",
    );
    this.runRecordsSkipped = metrics.counter(
      'threadline_realtime_run_records_skipped_total',
      'Runs topic records not handed to subscribers: duplicate, unknown_run, finished, gap (planRunRecord) or undecodable',
      ['why'],
    );
    this.consumerLag = metrics.gauge(
      'threadline_realtime_consumer_lag',
      "Records past a live consumer's position per partition (the topic's end offset minus its next offset; negative when records it handled are gone from Kafka)",
      ['topic', 'partition'],
    );
    this.consumerRestarts = metrics.counter(
      'threadline_realtime_consumer_restarts_total',
      'Live consumers started again because a partition had records past their position and no progress for REALTIME_STALL_AFTER_MS',
      ['topic'],
    );
    for (const protocol of ['phoenix', 'ws', 'sse'] as const) {
      this.connectedClients.set({ protocol }, 0);
      this.subscriptions.set({ protocol }, 0);
    }
  }
}
