import { setTimeout as sleep } from 'node:timers/promises';
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { ConversationRef, conversationKey } from '@threadline/contracts';
import { CommandConfig } from '../config/command.config';
import { AppendRequest, HeadIndexService } from './head-index.service';
import { mediumRedis } from '../../../../test/support/medium-redis';

/*
 * The head index's Lua scripts against the real Redis of the local stack: every
 * decision an append, a delete, the reaper and a rebuild can get. Each test uses
 * a key prefix of its own.
 */
const ref = (conversationId: string, tenantId = 'default'): ConversationRef => ({ tenantId, conversationId });
const C1 = ref('c1');
const C2 = ref('c2');

const medium = mediumRedis();
const redis = medium.client;
let prefix: string;
let index: HeadIndexService;

beforeEach(async () => {
  prefix = medium.prefix();
  index = new HeadIndexService(redis, { redis: { keyPrefix: prefix } } as CommandConfig);
  await trustAt(1);
});

async function trustAt(epoch: number): Promise<void> {
  await redis.del(index.epochKey);
  expect(await index.tryLockRebuild('owner', 10_000)).toBe(true);
  expect(await index.trustIfOwner('owner', epoch)).toBe(true);
  await index.unlockRebuild('owner');
}

async function createConversation(id: ConversationRef): Promise<void> {
  const created = await index.create(id, {}, []);
  if (created.kind !== 'ok') throw new Error('index not trusted');
  expect(await index.confirmCreate(id, created.epoch)).toBe('ok');
}

const request = (over: Partial<AppendRequest> = {}): AppendRequest => ({
  conversation: C1,
  ifVersion: null,
  pairField: null,
  contentHash: 'h1',
  pairChecked: false,
  charge: null,
  ...over,
});

const pair = (producerSeq: number) => `worker-1\n${producerSeq}`;

describe('appendScript decisions', () => {
  it('reserves head + 1 with the trusted epoch', async () => {
    await createConversation(C1);
    expect(await index.decideAppend(request())).toEqual({ kind: 'reserved', seq: 1, epoch: 1 });
    expect(await index.decideAppend(request())).toEqual({ kind: 'reserved', seq: 2, epoch: 1 });
  });

  it('answers rebuilding while the index is not trusted', async () => {
    await createConversation(C1);
    await redis.del(index.epochKey);
    expect(await index.decideAppend(request())).toEqual({ kind: 'rebuilding' });
  });

  it('answers missing for a conversation the index does not hold, not_found for one whose create is pending', async () => {
    expect(await index.decideAppend(request())).toEqual({ kind: 'missing' });
    await index.create(C1, {}, []);
    expect(await index.decideAppend(request())).toEqual({ kind: 'not_found' });
  });

  it('answers conflict with the current version when if_version does not match', async () => {
    await createConversation(C1);
    await index.decideAppend(request());
    expect(await index.decideAppend(request({ ifVersion: 0 }))).toEqual({ kind: 'conflict', currentVersion: 1 });
    expect(await index.decideAppend(request({ ifVersion: 1 }))).toMatchObject({ kind: 'reserved', seq: 2 });
  });

  it('answers replay_conflict for a pair reused with other content, inflight while pending, deduped once acknowledged', async () => {
    await createConversation(C1);
    const first = await index.decideAppend(request({ pairField: pair(1) }));
    expect(first).toEqual({ kind: 'reserved', seq: 1, epoch: 1 });
    expect(await index.decideAppend(request({ pairField: pair(1), contentHash: 'other' }))).toEqual({
      kind: 'replay_conflict',
      seq: 1,
    });
    expect(await index.decideAppend(request({ pairField: pair(1) }))).toMatchObject({
      kind: 'inflight',
      seq: 1,
      epoch: 1,
    });
    expect(await index.acknowledgeAppend(C1, 1, pair(1), 1)).toBe('ok');
    expect(await index.decideAppend(request({ pairField: pair(1) }))).toEqual({ kind: 'deduped', seq: 1 });
  });

  it('answers abandoned for a pair whose reservation the reaper settled', async () => {
    await createConversation(C1);
    await index.decideAppend(request({ pairField: pair(1) }));
    const claim = await index.claimOverdue(0, 60_000, 10);
    expect(claim.items).toEqual([expect.objectContaining({ kind: 'seq', seq: 1, conversation: C1 })]);
    await index.finishClaim(claim.items[0]);
    expect(await index.decideAppend(request({ pairField: pair(1) }))).toEqual({ kind: 'abandoned', seq: 1 });
  });

  it('answers tombstoned once the conversation is deleted, while a known pair still dedupes', async () => {
    await createConversation(C1);
    await index.decideAppend(request({ pairField: pair(1) }));
    await index.acknowledgeAppend(C1, 1, pair(1), 1);
    const deleting = await index.decideDelete(C1);
    expect(deleting).toMatchObject({ kind: 'deleting', lastSeq: 1, epoch: 1 });
    expect(await index.decideAppend(request())).toEqual({ kind: 'tombstoned' });
    expect(await index.decideAppend(request({ pairField: pair(1) }))).toEqual({ kind: 'deduped', seq: 1 });
  });
});

describe("two tenants' conversations of the same id", () => {
  const ACME = ref('c1', 'acme');

  it('keep independent seqs and versions, each in its own key', async () => {
    await createConversation(C1);
    await createConversation(ACME);
    expect(await index.decideAppend(request())).toEqual({ kind: 'reserved', seq: 1, epoch: 1 });
    expect(await index.decideAppend(request())).toEqual({ kind: 'reserved', seq: 2, epoch: 1 });
    expect(await index.decideAppend(request({ conversation: ACME }))).toEqual({ kind: 'reserved', seq: 1, epoch: 1 });
    expect(await index.acknowledgeAppend(C1, 1, null, 1)).toBe('ok');
    expect(await index.acknowledgeAppend(C1, 2, null, 1)).toBe('ok');
    expect(await index.acknowledgeAppend(ACME, 1, null, 1)).toBe('ok');
    const [mine, theirs] = [await index.read(C1), await index.read(ACME)];
    expect(mine).toMatchObject({ kind: 'ok', record: { ref: C1, version: 2 } });
    expect(theirs).toMatchObject({ kind: 'ok', record: { ref: ACME, version: 1 } });
    expect(await redis.exists(`${prefix}:c:c1`)).toBe(1);
    expect(await redis.exists(`${prefix}:c:acme/c1`)).toBe(1);
  });

  it("find one tenant's conversation missing when only another tenant has the id", async () => {
    await createConversation(ACME);
    expect(await index.decideAppend(request())).toEqual({ kind: 'missing' });
    expect(await index.read(C1)).toEqual({ kind: 'missing' });
  });

  it('hand the reaper each reservation with its tenant', async () => {
    await createConversation(ACME);
    await index.decideAppend(request({ conversation: ACME }));
    const claim = await index.claimOverdue(0, 60_000, 10);
    expect(claim.items).toEqual([expect.objectContaining({ kind: 'seq', seq: 1, conversation: ACME })]);
  });
});

describe('producer pairs of a conversation loaded from the projection', () => {
  const hydrated = () =>
    index.hydrate({
      ref: C1,
      created: true,
      version: 5,
      tombstoned: false,
      metadata: {},
      participants: [],
      title: null,
      archived: false,
      headerVersion: 0,
      creator: null,
      parent: null,
      createdAt: new Date(),
      updatedAt: new Date(),
    });

  it('asks for the projection before deciding a pair it does not hold', async () => {
    expect(await hydrated()).toBe(true);
    expect(await index.decideAppend(request({ pairField: pair(1) }))).toEqual({ kind: 'pair_unknown' });
    expect(await index.decideAppend(request())).toMatchObject({ kind: 'reserved', seq: 6 });
  });

  it('dedupes a pair restored from the projection, and reserves one the projection does not hold', async () => {
    await hydrated();
    await index.restorePair(C1, pair(1), 3, 'h1');
    expect(await index.decideAppend(request({ pairField: pair(1) }))).toEqual({ kind: 'deduped', seq: 3 });
    expect(await index.decideAppend(request({ pairField: pair(2), pairChecked: true }))).toMatchObject({
      kind: 'reserved',
      seq: 6,
    });
    expect(await index.decideAppend(request({ pairField: pair(2) }))).toMatchObject({ kind: 'inflight', seq: 6 });
  });

  it('never asks for a conversation created in this epoch', async () => {
    await createConversation(C1);
    expect(await index.decideAppend(request({ pairField: pair(1) }))).toMatchObject({ kind: 'reserved', seq: 1 });
  });
});

describe('epoch checks after Kafka has the event', () => {
  it('refuses to acknowledge an append, a create or a delete once its epoch is gone, and marks nothing', async () => {
    await createConversation(C1);
    await index.decideAppend(request({ pairField: pair(1) }));
    const created = await index.create(C2, {}, []);
    const deleting = await index.decideDelete(C1);
    await trustAt(2);
    expect(await index.acknowledgeAppend(C1, 1, pair(1), 1)).toBe('fenced');
    expect(created.kind === 'ok' && (await index.confirmCreate(C2, created.epoch))).toBe('fenced');
    expect(deleting.kind === 'deleting' && (await index.settle(deleting.pendingMember, deleting.epoch))).toBe('fenced');
    expect(await index.decideAppend(request({ pairField: pair(1) }))).toMatchObject({ kind: 'inflight' });
  });

  it('acknowledges at the trusted epoch and removes the pending reservation', async () => {
    await createConversation(C1);
    await index.decideAppend(request());
    expect(await index.acknowledgeAppend(C1, 1, null, 1)).toBe('ok');
    expect((await index.claimOverdue(0, 60_000, 10)).items).toEqual([]);
  });
});

describe('the reaper claims', () => {
  it('claims nothing younger than the grace period, and nothing while the index is untrusted', async () => {
    await createConversation(C1);
    await index.decideAppend(request());
    expect(await index.claimOverdue(60_000, 60_000, 10)).toEqual({ epoch: 1, items: [] });
    await redis.del(index.epochKey);
    expect((await index.claimOverdue(0, 60_000, 10)).items).toEqual([]);
  });

  it('claims an overdue reservation once, with the epoch to settle it in, and again only after the lease ran out', async () => {
    await createConversation(C1);
    await index.decideAppend(request());
    const claim = await index.claimOverdue(0, 60_000, 10);
    expect(claim).toMatchObject({ epoch: 1, items: [{ kind: 'seq', seq: 1 }] });
    expect((await index.claimOverdue(0, 60_000, 10)).items).toEqual([]);
    expect((await index.claimOverdue(0, 0, 10)).items).toEqual([expect.objectContaining({ seq: 1 })]);
    await index.finishClaim(claim.items[0]);
    expect((await index.claimOverdue(0, 0, 10)).items).toEqual([]);
  });
});

describe('trusting a rebuilt index', () => {
  it('trusts only for the holder of the rebuild lock, only while untrusted', async () => {
    await redis.del(index.epochKey);
    expect(await index.trustIfOwner('nobody', 2)).toBe(false);
    expect(await index.tryLockRebuild('a', 10_000)).toBe(true);
    expect(await index.tryLockRebuild('b', 10_000)).toBe(false);
    expect(await index.trustIfOwner('b', 2)).toBe(false);
    expect(await index.trustIfOwner('a', null)).toBe(true);
    expect(await index.trustedEpoch()).toBeNull();
    expect(await index.trustIfOwner('a', 2)).toBe(true);
    expect(await index.trustedEpoch()).toBe(2);
    expect(await index.trustIfOwner('a', 3)).toBe(false);
    expect(await index.trustedEpoch()).toBe(2);
  });

  it('distrusts only the epoch it was asked to', async () => {
    await index.distrust(7);
    expect(await index.trustedEpoch()).toBe(1);
    await index.distrust(1);
    expect(await index.trustedEpoch()).toBeNull();
  });
});

describe('any interleaving of reservations, acknowledgements and the reaper', () => {
  type Step = { op: 'reserve' } | { op: 'ack'; pick: number } | { op: 'reap' };
  const step = fc.oneof(
    fc.constant<Step>({ op: 'reserve' }),
    fc.nat(20).map((pick): Step => ({ op: 'ack', pick })),
    fc.constant<Step>({ op: 'reap' }),
  );

  it('hands out consecutive seqs from 1 and settles every one exactly once: acknowledged or reaped', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 40 }), async (steps) => {
        const id = ref(`p-${randomBytes(4).toString('hex')}`);
        await createConversation(id);
        const reserved: number[] = [];
        const pending = new Set<number>();
        const settled = new Map<number, 'acked' | 'reaped'>();
        const settle = (seq: number, how: 'acked' | 'reaped') => {
          expect(settled.has(seq)).toBe(false);
          settled.set(seq, how);
          pending.delete(seq);
        };
        for (const s of [...steps, { op: 'reap' } as Step]) {
          if (s.op === 'reserve') {
            const decision = await index.decideAppend(request({ conversation: id }));
            if (decision.kind !== 'reserved') throw new Error(`expected a reservation, got ${decision.kind}`);
            reserved.push(decision.seq);
            pending.add(decision.seq);
          } else if (s.op === 'ack' && pending.size > 0) {
            const seq = [...pending][s.pick % pending.size];
            expect(await index.acknowledgeAppend(id, seq, null, 1)).toBe('ok');
            settle(seq, 'acked');
          } else if (s.op === 'reap') {
            const claim = await index.claimOverdue(0, 60_000, 1000);
            for (const item of claim.items) {
              if (item.kind !== 'seq' || item.conversation.conversationId !== id.conversationId) continue;
              await index.finishClaim(item);
              settle(item.seq, 'reaped');
            }
          }
        }
        expect(reserved).toEqual(reserved.map((_, i) => i + 1));
        expect([...settled.keys()].sort((a, b) => a - b)).toEqual(reserved);
      }),
      { numRuns: 40, seed: 20261130 },
    );
  });
});

describe('participants changes', () => {
  const ADA = [{ id: 'ada', kind: 'user' as const }];
  const BOB = [{ id: 'bob', kind: 'user' as const }];
  const participantsOf = async (id: ConversationRef) => {
    const read = await index.read(id);
    return read.kind === 'ok' ? read.record.participants : null;
  };

  it('creates a record with its participants, and reads [] for a record written before participants', async () => {
    const created = await index.create(C1, {}, ADA);
    expect(created.kind === 'ok' && created.record.participants).toEqual(ADA);
    await createConversation(C2);
    await redis.hDel(`${prefix}:c:c2`, 'pa');
    expect(await participantsOf(C2)).toEqual([]);
  });

  it('lets one change of a conversation be in flight at a time, and records the list only once published', async () => {
    await createConversation(C1);
    expect(await index.beginParticipants(C1, ADA, 't1', 10_000)).toEqual({ kind: 'ok', epoch: 1 });
    expect(await index.beginParticipants(C1, BOB, 't2', 10_000)).toEqual({ kind: 'busy' });
    expect(await index.beginParticipants(C2, BOB, 't3', 10_000)).toEqual({ kind: 'missing' });
    expect(await participantsOf(C1)).toEqual([]);
    expect(await index.finishParticipants(C1, ADA, 't1', 1, true)).toBe('ok');
    expect(await participantsOf(C1)).toEqual(ADA);
    expect(await index.beginParticipants(C1, ADA, 't4', 10_000)).toEqual({ kind: 'same' });
    expect(await index.beginParticipants(C1, BOB, 't5', 10_000)).toEqual({ kind: 'ok', epoch: 1 });
    expect(await index.finishParticipants(C1, BOB, 't5', 1, false)).toBe('ok');
    expect(await participantsOf(C1)).toEqual(ADA);
    expect(await index.beginParticipants(C1, BOB, 't6', 10_000)).toEqual({ kind: 'ok', epoch: 1 });
  });

  it('takes over a lock older than its lease, and a late finish of the old holder does not release the new one', async () => {
    await createConversation(C1);
    expect(await index.beginParticipants(C1, ADA, 'old', 50)).toEqual({ kind: 'ok', epoch: 1 });
    await sleep(80);
    expect(await index.beginParticipants(C1, BOB, 'new', 10_000)).toEqual({ kind: 'ok', epoch: 1 });
    expect(await index.finishParticipants(C1, ADA, 'old', 1, false)).toBe('ok');
    expect(await index.beginParticipants(C1, ADA, 'third', 10_000)).toEqual({ kind: 'busy' });
  });

  it('does not record a list whose epoch a rebuild fenced off', async () => {
    await createConversation(C1);
    expect(await index.beginParticipants(C1, ADA, 't1', 10_000)).toEqual({ kind: 'ok', epoch: 1 });
    await trustAt(2);
    expect(await index.finishParticipants(C1, ADA, 't1', 1, true)).toBe('fenced');
    expect(await participantsOf(C1)).toEqual([]);
  });

  it('refuses a change of a tombstoned conversation', async () => {
    await createConversation(C1);
    const decision = await index.decideDelete(C1);
    expect(decision.kind).toBe('deleting');
    expect(await index.beginParticipants(C1, ADA, 't1', 10_000)).toEqual({ kind: 'tombstoned' });
  });
});

describe('header updates', () => {
  const headerOf = async (id: ConversationRef) => {
    const read = await index.read(id);
    if (read.kind !== 'ok') throw new Error('no record');
    const { title, metadata, archived, headerVersion, creator, version } = read.record;
    return { title, metadata, archived, headerVersion, creator, version };
  };
  const header = (version: number, title: string | null = 't') => ({
    title,
    metadata: { k: version },
    archived: false,
    version,
  });

  it('creates a record with its title and creator at header version 0, and reads defaults for an older record', async () => {
    const creator = { tenant_id: 'default', id: 'ada', type: 'user' as const };
    await index.create(C1, { a: 1 }, [], { title: 'Draft', creator });
    expect(await headerOf(C1)).toEqual({
      title: 'Draft',
      metadata: { a: 1 },
      archived: false,
      headerVersion: 0,
      creator,
      version: 0,
    });
    await redis.hSet(`${prefix}:c:${conversationKey(C2)}`, {
      s: 'c',
      v: '3',
      t: '0',
      m: '{}',
      ca: '0',
      ua: '0',
    });
    expect(await headerOf(C2)).toEqual({
      title: null,
      metadata: {},
      archived: false,
      headerVersion: 0,
      creator: null,
      version: 3,
    });
  });

  it('decides against the version read: stale once another update took it, busy while one is in flight', async () => {
    await createConversation(C1);
    expect(await index.beginUpdate(C1, 0, 'a', 10_000)).toEqual({ kind: 'ok', epoch: 1 });
    expect(await index.beginUpdate(C1, 0, 'b', 10_000)).toEqual({ kind: 'busy' });
    expect(await index.finishUpdate(C1, header(1), 'a', 1, true)).toBe('ok');
    expect(await headerOf(C1)).toMatchObject({ title: 't', metadata: { k: 1 }, headerVersion: 1, version: 0 });
    expect(await index.beginUpdate(C1, 0, 'b', 10_000)).toEqual({ kind: 'stale', currentVersion: 1 });
    expect(await index.beginUpdate(C1, 1, 'b', 10_000)).toEqual({ kind: 'ok', epoch: 1 });
  });

  it('takes the version but keeps the old header when Kafka did not acknowledge, and lets the next update start', async () => {
    await createConversation(C1);
    await index.beginUpdate(C1, 0, 'a', 10_000);
    expect(await index.finishUpdate(C1, header(1, 'lost'), 'a', 1, false)).toBe('ok');
    expect(await headerOf(C1)).toMatchObject({ title: null, metadata: {}, headerVersion: 1 });
    expect(await index.beginUpdate(C1, 1, 'b', 10_000)).toEqual({ kind: 'ok', epoch: 1 });
  });

  it('is fenced when the epoch changed before Kafka acknowledged, and refuses a tombstoned or missing record', async () => {
    await createConversation(C1);
    await index.beginUpdate(C1, 0, 'a', 10_000);
    await trustAt(2);
    expect(await index.finishUpdate(C1, header(1), 'a', 1, true)).toBe('fenced');
    expect(await headerOf(C1)).toMatchObject({ title: null, headerVersion: 1 });
    expect(await index.beginUpdate(C2, 0, 'x', 10_000)).toEqual({ kind: 'missing' });
    const deleting = await index.decideDelete(C1);
    expect(deleting.kind).toBe('deleting');
    expect(await index.beginUpdate(C1, 1, 'b', 10_000)).toEqual({ kind: 'tombstoned' });
  });

  it('loads the header of a record from the projection', async () => {
    const creator = { tenant_id: 'default', id: 'bot', type: 'agent' as const };
    expect(
      await index.hydrate({
        ref: C1,
        created: true,
        version: 4,
        tombstoned: false,
        metadata: { m: 1 },
        participants: [],
        title: 'Loaded',
        archived: true,
        headerVersion: 7,
        creator,
        parent: null,
        createdAt: new Date(),
        updatedAt: new Date(),
      }),
    ).toBe(true);
    expect(await headerOf(C1)).toEqual({
      title: 'Loaded',
      metadata: { m: 1 },
      archived: true,
      headerVersion: 7,
      creator,
      version: 4,
    });
  });
});
