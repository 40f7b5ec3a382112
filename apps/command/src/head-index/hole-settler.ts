import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { RedisClientType } from 'redis';
import { DataSource } from 'typeorm';
import { ConversationRef, conversationKey } from '@threadline/contracts';
import { MetricsService, PeriodicJob, PeriodicJobSchedule } from '@threadline/observability';
import { COMMAND_CONFIG, CommandConfig } from '../config/command.config';
import { EventPublisher } from '../event-log/event-publisher';
import { messageTombstoned } from '../event-log/event-factory';
import { HeadIndexService } from './head-index.service';
import { settleableSeqs, SettleableSeq } from './hole-statements';
import { LuaScript } from './lua-script';
import { REDIS_CLIENT } from './redis-client.provider';

/** Conversations and seqs one sweep settles at most. */
const SWEEP_CONVERSATIONS = 100;
const SWEEP_SEQS = 1000;
/**
 * After a sweep that produced tombstones, no instance sweeps again for this long,
 * so the projector can take them in before anyone looks for holes again (a sweep
 * that looked too early would only produce duplicates, which lose).
 */
const COOLDOWN_MS = 5000;

/** KEYS lock. ARGV owner, ms: the owner releases the lock (ms = 0) or keeps it for ms more. */
const releaseScript = new LuaScript(`
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return {'lost'} end
if ARGV[2] == '0' then redis.call('DEL', KEYS[1]) else redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return {'ok'}
`);

/**
 * Settles holes the head index can no longer account for, from the projection's
 * side: a seq above the contiguous watermark that has stayed missing for longer
 * than HOLE_GRACE_MS (its reservation was lost with a Redis index, its event never
 * landed) gets `message.tombstoned {reason: abandoned}`, so the watermark moves on
 * even for a conversation that sees no traffic. The grace period is the same
 * argument as the hole reaper's: an append is acknowledged only within the ack
 * timeout of its reservation, so a tombstone produced after the grace cannot
 * overtake an acknowledged message; a later attempt loses to it for everyone.
 * Only seqs already missing when the hole was first seen are settled
 * (`hole_last_seq`): a seq reserved since may still be in flight.
 * One instance sweeps at a time (a Redis lock); a duplicate tombstone would lose
 * (first wins) and change nothing anyway.
 */
@Injectable()
export class HoleSettler extends PeriodicJob {
  private readonly settled;
  private readonly prefix: string;

  constructor(
    @Inject(REDIS_CLIENT) private readonly redis: RedisClientType,
    private readonly dataSource: DataSource,
    private readonly publisher: EventPublisher,
    private readonly index: HeadIndexService,
    @Inject(COMMAND_CONFIG) private readonly config: CommandConfig,
    metrics: MetricsService,
  ) {
    super();
    this.prefix = config.redis.keyPrefix;
    this.settled = metrics.counter(
      'threadline_command_holes_settled_total',
      'Seqs missing from the projection for longer than the hole grace period, tombstoned by the hole settler',
    );
  }

  protected schedule(): PeriodicJobSchedule {
    return { name: 'hole settler sweep', intervalMs: this.config.holes.reaperIntervalMs };
  }

  private get lockKey(): string {
    return `${this.prefix}:settle-lock`;
  }

  protected async runOnce(): Promise<void> {
    const owner = randomUUID();
    const lockMs = this.config.append.ackTimeoutMs + 30_000;
    if ((await this.redis.set(this.lockKey, owner, { NX: true, PX: lockMs })) !== 'OK') {
      return;
    }
    let produced = 0;
    try {
      const epoch = await this.index.trustedEpoch();
      if (epoch === null) {
        return;
      }
      const { sql, params } = settleableSeqs(this.config.holes.graceMs, SWEEP_CONVERSATIONS, SWEEP_SEQS);
      const seqs = await this.dataSource.query<SettleableSeq[]>(sql, params);
      const outcomes = await Promise.allSettled(
        seqs.map((s) =>
          this.settle({ tenantId: s.tenant_id, conversationId: s.conversation_id }, Number(s.seq), epoch),
        ),
      );
      const failed = outcomes.filter((o) => o.status === 'rejected').length;
      produced = seqs.length - failed;
      if (failed > 0) {
        this.logger.warn(
          `hole settler: ${failed} of ${seqs.length} tombstones were not acknowledged; next sweep retries`,
        );
      }
    } finally {
      await releaseScript.run(this.redis, [this.lockKey], [owner, String(produced > 0 ? COOLDOWN_MS : 0)]);
    }
  }

  private async settle(ref: ConversationRef, seq: number, epoch: number): Promise<void> {
    await this.publisher.publish(messageTombstoned(ref, seq, 'abandoned', epoch), this.config.append.ackTimeoutMs);
    this.settled.inc();
    this.logger.log(`tombstoned seq ${seq} of ${conversationKey(ref)}: missing for longer than the hole grace period`);
  }
}
