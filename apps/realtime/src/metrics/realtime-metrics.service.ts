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
  readonly undecodable: Counter;

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
    this.undecodable = metrics.counter('threadline_realtime_undecodable_events_total', 'Topic records skipped');
    for (const protocol of ['phoenix', 'ws', 'sse'] as const) {
      this.connectedClients.set({ protocol }, 0);
      this.subscriptions.set({ protocol }, 0);
    }
  }
}
