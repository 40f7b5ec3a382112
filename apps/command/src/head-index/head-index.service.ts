import { Inject, Injectable } from '@nestjs/common';
import type { RedisClientType } from 'redis';
import {
  ConversationRef,
  conversationKey,
  CreatorPrincipal,
  parseConversationKey,
  Participant,
} from '@threadline/contracts';
import { COMMAND_CONFIG, CommandConfig } from '../config/command.config';
import { ConversationRecord, ForkParent, recordFromFields } from './conversation-record';
import {
  ackScript,
  appendScript,
  beginParticipantsScript,
  beginUpdateScript,
  claimScript,
  confirmCreateScript,
  createScript,
  deleteScript,
  extendLockScript,
  finishClaimScript,
  finishParticipantsScript,
  finishUpdateScript,
  forkScript,
  hydrateScript,
  readScript,
  resolvePairScript,
  restorePairScript,
  settleScript,
  distrustScript,
  trustScript,
} from './head-index.scripts';
import { REDIS_CLIENT } from './redis-client.provider';

export type AppendDecision =
  | { kind: 'rebuilding' | 'missing' | 'not_found' | 'tombstoned' | 'pair_unknown' }
  | { kind: 'rate_limited'; waitMs: number }
  | { kind: 'conflict'; currentVersion: number }
  | { kind: 'replay_conflict'; seq: number }
  | { kind: 'deduped'; seq: number }
  | { kind: 'abandoned'; seq: number }
  | { kind: 'inflight'; seq: number; msSinceReservation: number; epoch: number }
  | { kind: 'reserved'; seq: number; epoch: number };

export type ReadResult = { kind: 'rebuilding' | 'missing' } | { kind: 'ok'; record: ConversationRecord };

export type CreateResult = { kind: 'rebuilding' } | { kind: 'ok'; record: ConversationRecord; epoch: number };

export type ForkDecision =
  { kind: 'rebuilding' } | { kind: 'conflict' } | { kind: 'ok'; record: ConversationRecord; epoch: number };

export type DeleteDecision =
  | { kind: 'rebuilding' | 'missing' | 'not_found' }
  | { kind: 'already'; lastSeq: number }
  | { kind: 'deleting'; lastSeq: number; pendingMember: string; epoch: number };

export type ParticipantsDecision =
  { kind: 'rebuilding' | 'missing' | 'not_found' | 'tombstoned' | 'same' | 'busy' } | { kind: 'ok'; epoch: number };

export type UpdateDecision =
  | { kind: 'rebuilding' | 'missing' | 'not_found' | 'tombstoned' | 'busy' }
  | { kind: 'stale'; currentVersion: number }
  | { kind: 'ok'; epoch: number };

/** A conversation's header as an update leaves it. */
export interface ConversationHeader {
  title: string | null;
  metadata: Record<string, unknown>;
  archived: boolean;
  version: number;
}

/** The header fields a create names besides metadata and participants. */
export interface CreateHeader {
  title: string | null;
  creator: CreatorPrincipal | null;
}

/** Whether a step whose event Kafka has could be recorded: 'fenced' when the epoch it was decided in is gone. */
export type Confirmation = 'ok' | 'fenced';

/** A reservation whose event must still be made durable or explained (see hole-reaper.ts). */
export type PendingItem =
  | { kind: 'seq'; member: string; conversation: ConversationRef; seq: number; pairField: string }
  | { kind: 'delete'; member: string; conversation: ConversationRef; lastSeq: number };

/** Overdue reservations and the epoch their settlements are decided in. */
export interface Claim {
  epoch: number;
  items: PendingItem[];
}

export interface AppendRequest {
  conversation: ConversationRef;
  ifVersion: number | null;
  pairField: string | null;
  contentHash: string;
  /** True once the projection was asked about the pair (after 'pair_unknown'). */
  pairChecked: boolean;
  /** Taken from the tenant's buckets before the decision (TenantRateLimiter.chargeFor); null: none. */
  charge: AppendCharge | null;
}

/** One append against a tenant's token buckets (KEYS: appends, bytes; ARGV: appends/s, bytes/s, bytes). */
export interface AppendCharge {
  keys: [string, string];
  args: [string, string, string];
}

/**
 * The Redis head index: per conversation (keyed by conversationKey, so two
 * tenants' same id never share a key) its head seq (= version), tombstone flag
 * and metadata, the producer-pair dedupe table, and the reservations not yet durable.
 * It is a cache of durable state; index-rebuild.service.ts rebuilds it when lost.
 */
@Injectable()
export class HeadIndexService {
  private readonly prefix: string;

  constructor(
    @Inject(REDIS_CLIENT) private readonly redis: RedisClientType,
    @Inject(COMMAND_CONFIG) config: CommandConfig,
  ) {
    this.prefix = config.redis.keyPrefix;
  }

  get epochKey(): string {
    return `${this.prefix}:index-epoch`;
  }

  get rebuildLockKey(): string {
    return `${this.prefix}:rebuild-lock`;
  }

  private convKey(ref: ConversationRef): string {
    return `${this.prefix}:c:${conversationKey(ref)}`;
  }

  private pairsKey(ref: ConversationRef): string {
    return `${this.prefix}:c:${conversationKey(ref)}:p`;
  }

  private get pendingKey(): string {
    return `${this.prefix}:pending`;
  }

  private get reapingKey(): string {
    return `${this.prefix}:reaping`;
  }

  async ping(): Promise<boolean> {
    return (await this.redis.ping()) === 'PONG';
  }

  async isTrusted(): Promise<boolean> {
    return (await this.redis.exists(this.epochKey)) === 1;
  }

  /** The index epoch every event is stamped with now; null while the index is not trusted. */
  async trustedEpoch(): Promise<number | null> {
    const value = await this.redis.get(this.epochKey);
    return value === null ? null : Number(value);
  }

  async decideAppend(req: AppendRequest): Promise<AppendDecision> {
    const reply = await appendScript.run(
      this.redis,
      [
        this.convKey(req.conversation),
        this.pairsKey(req.conversation),
        this.pendingKey,
        this.epochKey,
        ...(req.charge?.keys ?? []),
      ],
      [
        req.ifVersion === null ? '' : String(req.ifVersion),
        req.pairField ?? '',
        req.contentHash,
        conversationKey(req.conversation),
        req.pairChecked ? '1' : '',
        ...(req.charge?.args ?? []),
      ],
    );
    const [kind, a, b, c, d] = reply;
    switch (kind) {
      case 'rate_limited':
        return { kind, waitMs: Number(a) };
      case 'conflict':
        return { kind, currentVersion: Number(a) };
      case 'replay_conflict':
      case 'deduped':
      case 'abandoned':
        return { kind, seq: Number(a) };
      case 'inflight':
        return { kind, seq: Number(a), msSinceReservation: Number(c) - Number(b), epoch: Number(d) };
      case 'reserved':
        return { kind, seq: Number(a), epoch: Number(b) };
      default:
        return { kind: kind as 'rebuilding' | 'missing' | 'not_found' | 'tombstoned' | 'pair_unknown' };
    }
  }

  /** Marks a durable append acknowledged, unless its epoch was fenced off meanwhile (then it must not be acknowledged). */
  async acknowledgeAppend(
    ref: ConversationRef,
    seq: number,
    pairField: string | null,
    epoch: number,
  ): Promise<Confirmation> {
    const [kind] = await ackScript.run(
      this.redis,
      [this.pendingKey, this.pairsKey(ref), this.epochKey],
      [seqMember(ref, seq, pairField), pairField ?? '', String(seq), String(epoch)],
    );
    return kind === 'ok' ? 'ok' : 'fenced';
  }

  /** Puts back a pair the projection holds (producer_pairs) into a conversation loaded from it. */
  async restorePair(ref: ConversationRef, pairField: string, seq: number, contentHash: string): Promise<void> {
    await restorePairScript.run(this.redis, [this.pairsKey(ref)], [pairField, String(seq), contentHash]);
  }

  async resolvePair(ref: ConversationRef, pairField: string, seq: number, messageWon: boolean): Promise<void> {
    await resolvePairScript.run(this.redis, [this.pairsKey(ref)], [pairField, String(seq), messageWon ? 'a' : 'gone']);
  }

  async read(ref: ConversationRef): Promise<ReadResult> {
    const [kind, ...fields] = await readScript.run(this.redis, [this.convKey(ref), this.epochKey], []);
    if (kind === 'ok') {
      return { kind, record: recordFromFields(ref, fields) };
    }
    return { kind: kind as 'rebuilding' | 'missing' };
  }

  /** `participants` in canonical form (canonicalParticipants). */
  async create(
    ref: ConversationRef,
    metadata: Record<string, unknown>,
    participants: Participant[],
    header: CreateHeader = { title: null, creator: null },
  ): Promise<CreateResult> {
    const [kind, epoch, ...fields] = await createScript.run(
      this.redis,
      [this.convKey(ref), this.epochKey],
      [
        JSON.stringify(metadata),
        JSON.stringify(participants),
        JSON.stringify(header.title),
        JSON.stringify(header.creator),
      ],
    );
    if (kind === 'ok') {
      return { kind, record: recordFromFields(ref, fields), epoch: Number(epoch) };
    }
    return { kind: 'rebuilding' };
  }

  /**
   * Decides a fork: a pending record with head = parent.atSeq, unless the id holds
   * one; 'conflict' when what it holds is not this fork (same parent and atSeq).
   */
  async fork(ref: ConversationRef, metadata: Record<string, unknown>, parent: ForkParent): Promise<ForkDecision> {
    const [kind, epoch, ...fields] = await forkScript.run(
      this.redis,
      [this.convKey(ref), this.epochKey],
      [JSON.stringify(metadata), parent.conversationId, String(parent.atSeq)],
    );
    if (kind === 'ok') {
      return { kind, record: recordFromFields(ref, fields), epoch: Number(epoch) };
    }
    return kind === 'conflict' ? { kind } : { kind: 'rebuilding' };
  }

  async confirmCreate(ref: ConversationRef, epoch: number): Promise<Confirmation> {
    const [kind] = await confirmCreateScript.run(this.redis, [this.convKey(ref), this.epochKey], [String(epoch)]);
    return kind === 'ok' ? 'ok' : 'fenced';
  }

  /**
   * Starts replacing the participants (canonical form) of a created conversation:
   * 'ok' takes the conversation's participants lock for `lockMs` under `token`.
   */
  async beginParticipants(
    ref: ConversationRef,
    participants: Participant[],
    token: string,
    lockMs: number,
  ): Promise<ParticipantsDecision> {
    const [kind, epoch] = await beginParticipantsScript.run(
      this.redis,
      [this.convKey(ref), this.epochKey],
      [JSON.stringify(participants), token, String(lockMs)],
    );
    if (kind === 'ok') {
      return { kind, epoch: Number(epoch) };
    }
    return { kind: kind as 'rebuilding' | 'missing' | 'not_found' | 'tombstoned' | 'same' | 'busy' };
  }

  /**
   * Releases the participants lock of `token`; when `published` (Kafka has the
   * event), records the list too, unless the epoch was fenced off meanwhile.
   */
  async finishParticipants(
    ref: ConversationRef,
    participants: Participant[],
    token: string,
    epoch: number,
    published: boolean,
  ): Promise<Confirmation> {
    const [kind] = await finishParticipantsScript.run(
      this.redis,
      [this.convKey(ref), this.epochKey],
      [JSON.stringify(participants), token, String(epoch), published ? '1' : ''],
    );
    return kind === 'ok' ? 'ok' : 'fenced';
  }

  /**
   * Starts a header update decided against header version `baseVersion`: 'ok' takes
   * the conversation's update lock for `lockMs` under `token`.
   */
  async beginUpdate(ref: ConversationRef, baseVersion: number, token: string, lockMs: number): Promise<UpdateDecision> {
    const [kind, value] = await beginUpdateScript.run(
      this.redis,
      [this.convKey(ref), this.epochKey],
      [String(baseVersion), token, String(lockMs)],
    );
    if (kind === 'ok') {
      return { kind, epoch: Number(value) };
    }
    if (kind === 'stale') {
      return { kind, currentVersion: Number(value) };
    }
    return { kind: kind as 'rebuilding' | 'missing' | 'not_found' | 'tombstoned' | 'busy' };
  }

  /**
   * Releases the update lock of `token` and takes `header.version`; when `published`
   * (Kafka has the event), records the header too, unless the epoch was fenced off.
   */
  async finishUpdate(
    ref: ConversationRef,
    header: ConversationHeader,
    token: string,
    epoch: number,
    published: boolean,
  ): Promise<Confirmation> {
    const [kind] = await finishUpdateScript.run(
      this.redis,
      [this.convKey(ref), this.epochKey],
      [
        token,
        String(epoch),
        published ? '1' : '',
        String(header.version),
        JSON.stringify(header.title),
        JSON.stringify(header.metadata),
        header.archived ? '1' : '0',
      ],
    );
    return kind === 'ok' ? 'ok' : 'fenced';
  }

  /** Loads a record from the projection; false while the index is being rebuilt. */
  async hydrate(record: ConversationRecord): Promise<boolean> {
    const [kind] = await hydrateScript.run(
      this.redis,
      [this.convKey(record.ref), this.epochKey],
      [
        String(record.version),
        record.tombstoned ? '1' : '0',
        JSON.stringify(record.metadata),
        String(record.createdAt.getTime()),
        String(record.updatedAt.getTime()),
        JSON.stringify(record.participants),
        JSON.stringify(record.title),
        record.archived ? '1' : '0',
        String(record.headerVersion),
        JSON.stringify(record.creator),
        record.parent?.conversationId ?? '',
        record.parent ? String(record.parent.atSeq) : '',
      ],
    );
    return kind !== 'rebuilding';
  }

  async decideDelete(ref: ConversationRef): Promise<DeleteDecision> {
    const [kind, lastSeq, epoch] = await deleteScript.run(
      this.redis,
      [this.convKey(ref), this.pendingKey, this.epochKey],
      [conversationKey(ref)],
    );
    if (kind === 'already') {
      return { kind, lastSeq: Number(lastSeq) };
    }
    if (kind === 'deleting') {
      return {
        kind,
        lastSeq: Number(lastSeq),
        pendingMember: deleteMember(ref, Number(lastSeq)),
        epoch: Number(epoch),
      };
    }
    return { kind: kind as 'rebuilding' | 'missing' | 'not_found' };
  }

  async settle(pendingMember: string, epoch: number): Promise<Confirmation> {
    const [kind] = await settleScript.run(this.redis, [this.pendingKey, this.epochKey], [pendingMember, String(epoch)]);
    return kind === 'ok' ? 'ok' : 'fenced';
  }

  /** Overdue reservations; none while the index is not trusted. */
  async claimOverdue(graceMs: number, leaseMs: number, limit: number): Promise<Claim> {
    const [epoch, ...members] = await claimScript.run(
      this.redis,
      [this.pendingKey, this.reapingKey, this.epochKey],
      [String(graceMs), String(leaseMs), String(limit)],
    );
    return { epoch: Number(epoch ?? 0), items: members.map(parseMember) };
  }

  async finishClaim(item: PendingItem): Promise<void> {
    const pairField = item.kind === 'seq' ? item.pairField : '';
    const seq = item.kind === 'seq' ? item.seq : item.lastSeq;
    await finishClaimScript.run(
      this.redis,
      [this.reapingKey, this.pairsKey(item.conversation)],
      [item.member, pairField, String(seq)],
    );
  }

  /**
   * Whether `owner` still holds the rebuild lock while the index is untrusted; with
   * an epoch, also trusts the index at it, atomically: from then on a missing
   * conversation key means "load it from the projection".
   */
  async trustIfOwner(owner: string, epoch: number | null): Promise<boolean> {
    const [kind] = await trustScript.run(
      this.redis,
      [this.rebuildLockKey, this.epochKey],
      [owner, epoch === null ? '' : String(epoch)],
    );
    return kind === 'ok';
  }

  /** Removes the epoch key if it still holds `epoch`: the index is rebuilt as if lost. */
  async distrust(epoch: number): Promise<void> {
    await distrustScript.run(this.redis, [this.epochKey], [String(epoch)]);
  }

  async tryLockRebuild(owner: string, ttlMs: number): Promise<boolean> {
    return (await this.redis.set(this.rebuildLockKey, owner, { NX: true, PX: ttlMs })) === 'OK';
  }

  /** Keeps the rebuild lock while its owner is alive; false if the lock was lost. */
  async extendRebuildLock(owner: string, ttlMs: number): Promise<boolean> {
    const [kind] = await extendLockScript.run(this.redis, [this.rebuildLockKey], [owner, String(ttlMs)]);
    return kind === 'ok';
  }

  async unlockRebuild(owner: string): Promise<void> {
    if ((await this.redis.get(this.rebuildLockKey)) === owner) {
      await this.redis.del(this.rebuildLockKey);
    }
  }

  async maxMemoryPolicy(): Promise<string | null> {
    const reply = (await this.redis.configGet('maxmemory-policy')) as Record<string, string>;
    return reply['maxmemory-policy'] ?? null;
  }
}

/** Pending members name the conversation by its conversationKey (as the scripts write them). */
function seqMember(ref: ConversationRef, seq: number, pairField: string | null): string {
  return `s\n${conversationKey(ref)}\n${seq}\n${pairField ?? ''}`;
}

function deleteMember(ref: ConversationRef, lastSeq: number): string {
  return `d\n${conversationKey(ref)}\n${lastSeq}\n`;
}

function parseMember(member: string): PendingItem {
  const [kind, key, seq, ...pair] = member.split('\n');
  const conversation = parseConversationKey(key);
  if (kind === 'd') {
    return { kind: 'delete', member, conversation, lastSeq: Number(seq) };
  }
  return { kind: 'seq', member, conversation, seq: Number(seq), pairField: pair.join('\n') };
}
