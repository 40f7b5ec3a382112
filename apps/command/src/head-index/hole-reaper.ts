import { Inject, Injectable } from '@nestjs/common';
import { MetricsService, PeriodicJob, PeriodicJobSchedule } from '@threadline/observability';
import { conversationKey } from '@threadline/contracts';
import { COMMAND_CONFIG, CommandConfig } from '../config/command.config';
import { EventPublisher } from '../event-log/event-publisher';
import { conversationDeleted, messageTombstoned } from '../event-log/event-factory';
import { HeadIndexService, PendingItem } from './head-index.service';

/**
 * Explains every reservation that was never acknowledged. Once a reserved seq is
 * older than the hole grace period, no produce attempt for it can still land
 * after what we produce now, so a `message.tombstoned` event for the seq settles
 * it for every consumer: if the message made it after all, it came first in the
 * partition and wins; otherwise the tombstone does. A delete whose event was not
 * acknowledged is completed the same way. Any command instance may run it;
 * claims are atomic in Redis and re-claimed if a reaper dies holding them.
 */
@Injectable()
export class HoleReaper extends PeriodicJob {
  private readonly reaped;

  constructor(
    private readonly index: HeadIndexService,
    private readonly publisher: EventPublisher,
    @Inject(COMMAND_CONFIG) private readonly config: CommandConfig,
    metrics: MetricsService,
  ) {
    super();
    this.reaped = metrics.counter(
      'threadline_command_reservations_reaped_total',
      'Unacknowledged reservations settled by the hole reaper',
      ['kind'],
    );
  }

  protected schedule(): PeriodicJobSchedule {
    return { name: 'reaper sweep', intervalMs: this.config.holes.reaperIntervalMs };
  }

  protected async runOnce(): Promise<void> {
    const { epoch, items } = await this.index.claimOverdue(this.config.holes.graceMs, this.config.holes.graceMs, 200);
    await Promise.all(items.map((item) => this.settle(item, epoch)));
  }

  /** A settlement of an epoch fenced off meanwhile is ignored by every consumer, like the reservation it settles. */
  private async settle(item: PendingItem, epoch: number): Promise<void> {
    const event =
      item.kind === 'seq'
        ? messageTombstoned(item.conversation, item.seq, 'abandoned', epoch)
        : conversationDeleted(item.conversation, item.lastSeq, epoch);
    await this.publisher.publish(event, this.config.append.ackTimeoutMs);
    await this.index.finishClaim(item);
    this.reaped.inc({ kind: item.kind });
    this.logger.log(
      item.kind === 'seq'
        ? `tombstoned unacknowledged seq ${item.seq} of ${conversationKey(item.conversation)}`
        : `completed unacknowledged delete of ${conversationKey(item.conversation)}`,
    );
  }
}
