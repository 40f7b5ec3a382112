import { ConversationRef } from '@threadline/contracts';
import { CommandConfig } from '../config/command.config';
import { HeadIndexService } from './head-index.service';
import { mediumRedis } from '../../../../test/support/medium-redis';

/* The fork decision (forkScript) against the real Redis of the local stack, each test under a key prefix of its own. */
const FORK: ConversationRef = { tenantId: 'acme', conversationId: 'fork-1' };
const PARENT = { conversationId: 'parent-1', atSeq: 4 };

const medium = mediumRedis();
const redis = medium.client;
let prefix: string;
let index: HeadIndexService;

beforeEach(async () => {
  prefix = medium.prefix();
  index = new HeadIndexService(redis, { redis: { keyPrefix: prefix } } as CommandConfig);
  await redis.set(index.epochKey, '3');
});

const append = () =>
  index.decideAppend({
    conversation: FORK,
    ifVersion: null,
    pairField: null,
    contentHash: 'h',
    pairChecked: false,
    charge: null,
  });

describe('forkScript', () => {
  it('creates a pending record with head = at_seq naming its parent, which takes no append until confirmed', async () => {
    const decision = await index.fork(FORK, { topic: 'x' }, PARENT);
    expect(decision).toMatchObject({
      kind: 'ok',
      epoch: 3,
      record: { created: false, version: 4, metadata: { topic: 'x' }, parent: PARENT },
    });
    expect(await append()).toEqual({ kind: 'not_found' });
    expect(await index.confirmCreate(FORK, 3)).toBe('ok');
    expect(await append()).toEqual({ kind: 'reserved', seq: 5, epoch: 3 });
  });

  it('answers a retried fork (same parent and at_seq) with the record it holds, pending or created', async () => {
    await index.fork(FORK, {}, PARENT);
    const retried = await index.fork(FORK, { other: true }, PARENT);
    expect(retried).toMatchObject({ kind: 'ok', record: { created: false, metadata: {} } });
    await index.confirmCreate(FORK, 3);
    await append();
    const afterAppend = await index.fork(FORK, {}, PARENT);
    expect(afterAppend).toMatchObject({ kind: 'ok', record: { created: true, version: 5 } });
  });

  it('refuses a different fork, or a plain conversation, under an existing id', async () => {
    await index.fork(FORK, {}, PARENT);
    expect(await index.fork(FORK, {}, { ...PARENT, atSeq: 3 })).toEqual({ kind: 'conflict' });
    expect(await index.fork(FORK, {}, { ...PARENT, conversationId: 'parent-2' })).toEqual({ kind: 'conflict' });
    const plain: ConversationRef = { tenantId: 'acme', conversationId: 'plain' };
    await index.create(plain, {}, []);
    expect(await index.fork(plain, {}, PARENT)).toEqual({ kind: 'conflict' });
  });

  it('keeps forks of two tenants with the same id apart', async () => {
    await index.fork(FORK, {}, PARENT);
    const other = await index.fork({ ...FORK, tenantId: 'globex' }, {}, { ...PARENT, atSeq: 2 });
    expect(other).toMatchObject({ kind: 'ok', record: { version: 2 } });
  });

  it('decides nothing while the index is not trusted', async () => {
    await redis.del(index.epochKey);
    expect(await index.fork(FORK, {}, PARENT)).toEqual({ kind: 'rebuilding' });
    await redis.set(index.epochKey, '3');
    expect(await index.read(FORK)).toEqual({ kind: 'missing' });
  });

  it('keeps the parent of a fork loaded from the projection', async () => {
    const at = new Date();
    const base = {
      created: true,
      version: 7,
      tombstoned: false,
      metadata: {},
      participants: [],
      title: null,
      archived: false,
      headerVersion: 0,
      creator: null,
    };
    await index.hydrate({ ...base, ref: FORK, parent: PARENT, createdAt: at, updatedAt: at });
    const read = await index.read(FORK);
    expect(read).toMatchObject({ kind: 'ok', record: { parent: PARENT, version: 7 } });
    expect(await index.fork(FORK, {}, PARENT)).toMatchObject({ kind: 'ok' });
  });
});
