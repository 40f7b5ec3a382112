import { Inject, Injectable } from '@nestjs/common';
import type { RedisClientType } from 'redis';
import { COMMAND_CONFIG, CommandConfig } from '../config/command.config';
import { REDIS_CLIENT } from '../head-index/redis-client.provider';
import {
  ackScript,
  commitBeginScript,
  commitFinishScript,
  endScript,
  eventsScript,
  idleScript,
  releaseScript,
  startScript,
  unlockScript,
} from './run-index.scripts';

/** How long a final run stays in Redis; later calls are answered from the projection. */
const FINAL_RUN_TTL_MS = 3_600_000;

/** One run of one tenant. */
export interface RunKey {
  tenantId: string;
  runId: string;
}

/** What every operation's caller brings: its lease token and length, and the conversation a pinned token allows. */
export interface RunOperation {
  run: RunKey;
  token: string;
  leaseMs: number;
  pinnedConversation: string | undefined;
}

/** A record of the runs topic as two halves around the number Redis decides (from_run_seq or last_run_seq). */
export interface SplitRecord {
  head: string;
  tail: string;
  eventId: string;
}

/** Refusals every operation on an existing run can answer. */
export type RunRefusal =
  | { kind: 'not_found' | 'forbidden' | 'committing' | 'cancelled' }
  | { kind: 'finished'; status: string }
  | { kind: 'busy'; retryAfterMs: number };

/** A record to produce before anything else happens to the run. */
export interface Flush {
  kind: 'flush';
  record: string;
}

export type EventsDecision =
  | RunRefusal
  | Flush
  | { kind: 'deduped'; lastRunSeq: number }
  | { kind: 'replay_conflict'; producerSeq: number }
  | { kind: 'too_large'; lastRunSeq: number }
  | { kind: 'produce'; record: string; lastRunSeq: number };

export type EndDecision =
  | RunRefusal
  | Flush
  | { kind: 'active' }
  | { kind: 'already'; lastRunSeq: number; reason: string }
  | { kind: 'produce'; record: string; lastRunSeq: number; reason: string };

export type CommitBeginDecision =
  | RunRefusal
  | Flush
  | { kind: 'committed'; lastRunSeq: number; messageSeqs: number[] }
  | {
      kind: 'commit';
      lastRunSeq: number;
      conversationId: string;
      actor: string;
      metadata: Record<string, unknown>;
    };

/** The Redis side of runs (run-index.scripts.ts has the layout): one Lua decision per operation. */
@Injectable()
export class RunIndexService {
  private readonly prefix: string;

  constructor(
    @Inject(REDIS_CLIENT) private readonly redis: RedisClientType,
    @Inject(COMMAND_CONFIG) config: CommandConfig,
  ) {
    this.prefix = config.redis.keyPrefix;
  }

  private runKey(run: RunKey): string {
    return `${this.prefix}:run:${member(run)}`;
  }

  private get activeKey(): string {
    return `${this.prefix}:runs:active`;
  }

  /** The run's conversation, or null when the index has no such run (never had, or lost it). */
  async conversationOf(run: RunKey): Promise<string | null> {
    return (await this.redis.hGet(this.runKey(run), 'cv')) ?? null;
  }

  /** Creates the run with its run.started record pending; false if the id is taken. */
  async start(
    op: Omit<RunOperation, 'pinnedConversation'>,
    run: { conversationId: string; actor: string; metadata: Record<string, unknown>; parentSeq: number | null },
    record: string,
    eventId: string,
  ): Promise<boolean> {
    const [kind] = await startScript.run(
      this.redis,
      [this.runKey(op.run), this.activeKey],
      [
        run.conversationId,
        run.actor,
        JSON.stringify(run.metadata),
        run.parentSeq === null ? '' : String(run.parentSeq),
        record,
        eventId,
        op.token,
        String(op.leaseMs),
        member(op.run),
      ],
    );
    return kind === 'produce';
  }

  async decideEvents(
    op: RunOperation,
    batch: { producerSeq: number | undefined; contentHash: string; count: number; maxEvents: number },
    record: SplitRecord,
  ): Promise<EventsDecision> {
    const reply = await eventsScript.run(
      this.redis,
      [this.runKey(op.run)],
      [
        op.pinnedConversation ?? '',
        op.token,
        String(op.leaseMs),
        batch.producerSeq === undefined ? '' : String(batch.producerSeq),
        batch.contentHash,
        String(batch.count),
        String(batch.maxEvents),
        record.head,
        record.tail,
        record.eventId,
      ],
    );
    const [kind, a, b] = reply;
    switch (kind) {
      case 'deduped':
      case 'too_large':
        return { kind, lastRunSeq: Number(a) };
      case 'replay_conflict':
        return { kind, producerSeq: Number(a) };
      case 'produce':
        return { kind, record: a, lastRunSeq: Number(b) };
      default:
        return refusalOrFlush(reply);
    }
  }

  async decideEnd(
    op: RunOperation,
    end: { status: 'failed' | 'cancelled'; reason: string; message: string | null; idleMs?: number },
    record: SplitRecord,
  ): Promise<EndDecision> {
    const reply = await endScript.run(
      this.redis,
      [this.runKey(op.run)],
      [
        op.pinnedConversation ?? '',
        op.token,
        String(op.leaseMs),
        end.status,
        end.reason,
        end.message ?? '',
        record.head,
        record.tail,
        record.eventId,
        end.idleMs === undefined ? '' : String(end.idleMs),
      ],
    );
    const [kind, a, b, c] = reply;
    switch (kind) {
      case 'active':
        return { kind };
      case 'already':
        return { kind, lastRunSeq: Number(a), reason: b };
      case 'produce':
        return { kind, record: a, lastRunSeq: Number(b), reason: c };
      default:
        return refusalOrFlush(reply);
    }
  }

  async beginCommit(op: RunOperation): Promise<CommitBeginDecision> {
    const reply = await commitBeginScript.run(
      this.redis,
      [this.runKey(op.run)],
      [op.pinnedConversation ?? '', op.token, String(op.leaseMs)],
    );
    const [kind, a, b, c, d] = reply;
    switch (kind) {
      case 'committed':
        return { kind, lastRunSeq: Number(a), messageSeqs: JSON.parse(b) as number[] };
      case 'commit':
        return {
          kind,
          lastRunSeq: Number(a),
          conversationId: b,
          actor: c,
          metadata: JSON.parse(d) as Record<string, unknown>,
        };
      default:
        return refusalOrFlush(reply);
    }
  }

  /** The commit's outcome with its run.finished pending, or null when this operation no longer holds the run. */
  async finishCommit(
    op: RunOperation,
    outcome: { status: 'committed' | 'failed'; messageSeqs: number[]; reason: string | null; message: string | null },
    record: SplitRecord,
  ): Promise<string | null> {
    const [kind, produced] = await commitFinishScript.run(
      this.redis,
      [this.runKey(op.run)],
      [
        op.token,
        outcome.status,
        JSON.stringify(outcome.messageSeqs),
        outcome.reason ?? '',
        outcome.message ?? '',
        record.head,
        record.tail,
        record.eventId,
      ],
    );
    return kind === 'produce' ? produced : null;
  }

  /** Kafka has the record with this event id. */
  async acknowledge(run: RunKey, token: string, eventId: string): Promise<void> {
    await ackScript.run(
      this.redis,
      [this.runKey(run), this.activeKey],
      [token, eventId, member(run), String(FINAL_RUN_TTL_MS)],
    );
  }

  /** The operation ends without an ack; what is pending stays for the next one. */
  async release(run: RunKey, token: string): Promise<void> {
    await releaseScript.run(this.redis, [this.runKey(run)], [token]);
  }

  /** Takes the run index's sweep lock for `ms` unless another instance holds it. */
  async lockSweep(owner: string, ms: number): Promise<boolean> {
    return (await this.redis.set(`${this.prefix}:runs:sweep-lock`, owner, { NX: true, PX: ms })) === 'OK';
  }

  async unlockSweep(owner: string): Promise<void> {
    await unlockScript.run(this.redis, [`${this.prefix}:runs:sweep-lock`], [owner]);
  }

  /** Stops watching a run for idleness (it ended, or left Redis). */
  async forget(run: RunKey): Promise<void> {
    await this.redis.zRem(this.activeKey, member(run));
  }

  /** Runs not final whose last operation ended at least `idleMs` ago. */
  async idleRuns(idleMs: number, limit: number): Promise<RunKey[]> {
    const members = await idleScript.run(this.redis, [this.activeKey], [String(idleMs), String(limit)]);
    return members.map(parseMember);
  }
}

function member(run: RunKey): string {
  return `${run.tenantId}/${run.runId}`;
}

function parseMember(value: string): RunKey {
  const slash = value.indexOf('/');
  return { tenantId: value.slice(0, slash), runId: value.slice(slash + 1) };
}

function refusalOrFlush([kind, a]: string[]): RunRefusal | Flush {
  switch (kind) {
    case 'flush':
      return { kind, record: a };
    case 'busy':
      return { kind, retryAfterMs: Number(a) };
    case 'finished':
      return { kind, status: a };
    case 'not_found':
    case 'forbidden':
    case 'committing':
    case 'cancelled':
      return { kind };
    default:
      throw new Error(`unexpected run index reply ${kind}`);
  }
}
