import { randomBytes } from 'node:crypto';
import { ConversationEvent, ConversationRef } from '@threadline/contracts';
import { loadConfig } from '@threadline/config';
import { MetricsService } from '@threadline/observability';
import { commandConfigSchema } from '../config/command.config';
import { EventPublisher } from '../event-log/event-publisher';
import { ConversationDirectory } from '../head-index/conversation-directory';
import { AppendDecision, AppendRequest, Confirmation, HeadIndexService } from '../head-index/head-index.service';
import { ProjectionLookupService } from '../head-index/projection-lookup.service';
import { ApiError } from '@threadline/errors';
import { TenantRateLimiter } from '../tenant-limits/tenant-rate-limiter';
import { AppendService } from './append.service';

const CONVERSATION: ConversationRef = { tenantId: 'default', conversationId: 'conv-1' };
const ACTOR = 'agent:planner';
const DTO = { message: { role: 'user', parts: [{ type: 'text', text: 'hello' }] } };
const PAIRED = { ...DTO, producer_id: 'worker-1', producer_seq: 4 };

/** A head index answering from a script of decisions; its acknowledgement answer is set by the test. */
class FakeIndex {
  requests: AppendRequest[] = [];
  acks: Array<{ seq: number; epoch: number }> = [];
  restored: Array<{ seq: number; contentHash: string }> = [];
  confirmation: () => Promise<Confirmation> = async () => 'ok';

  constructor(private readonly decisions: AppendDecision[]) {}

  async decideAppend(request: AppendRequest): Promise<AppendDecision> {
    this.requests.push({ ...request });
    return this.decisions.shift() ?? { kind: 'reserved', seq: 7, epoch: 3 };
  }

  acknowledgeAppend(_ref: ConversationRef, seq: number, _pair: string | null, epoch: number): Promise<Confirmation> {
    this.acks.push({ seq, epoch });
    return this.confirmation();
  }

  async restorePair(_ref: ConversationRef, _pair: string, seq: number, contentHash: string): Promise<void> {
    this.restored.push({ seq, contentHash });
  }
}

/** Kafka as the publisher sees it: each publish waits until the test acknowledges or refuses it. */
class FakePublisher {
  published: Array<{ event: ConversationEvent; ack: () => void; refuse: (error: Error) => void }> = [];

  publish(event: ConversationEvent): Promise<void> {
    return new Promise((ack, refuse) => this.published.push({ event, ack, refuse }));
  }
}

function service(index: FakeIndex, publisher: FakePublisher, pairs: Map<string, { seq: number; contentHash: string }>) {
  const projection = {
    producerPair: async (_ref: ConversationRef, producerId: string, producerSeq: number) =>
      pairs.get(`${producerId}/${producerSeq}`) ?? null,
  };
  const config = loadConfig(commandConfigSchema, {
    AUTH_MODE: 'none',
    AGENT_SECRETS_KEY: randomBytes(32).toString('base64'),
    LIMIT_TENANT_APPENDS_PER_S: '50',
  });
  return new AppendService(
    index as unknown as HeadIndexService,
    {} as ConversationDirectory,
    publisher as unknown as EventPublisher,
    projection as unknown as ProjectionLookupService,
    new TenantRateLimiter(config),
    config,
    new MetricsService({ service: 'command', logLevel: 'silent' }),
  );
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

async function settled<T>(promise: Promise<T>): Promise<boolean> {
  let done = false;
  void promise.then(
    () => (done = true),
    () => (done = true),
  );
  await tick();
  return done;
}

function apiCode(error: unknown): string {
  if (!(error instanceof ApiError)) {
    throw error;
  }
  return error.code;
}

describe('AppendService', () => {
  it('answers only once Kafka acknowledged the event, stamped with the epoch its seq was reserved in', async () => {
    const index = new FakeIndex([]);
    const publisher = new FakePublisher();
    const answer = service(index, publisher, new Map()).append(CONVERSATION, ACTOR, DTO, null);
    expect(await settled(answer)).toBe(false);
    expect(publisher.published[0].event).toMatchObject({
      tenant_id: 'default',
      conversation_id: 'conv-1',
      seq: 7,
      index_epoch: 3,
      data: { actor: ACTOR },
    });
    publisher.published[0].ack();
    await expect(answer).resolves.toMatchObject({ seq: 7, deduped: false });
    expect(index.acks).toEqual([{ seq: 7, epoch: 3 }]);
  });

  it('answers 503 outcome_unknown when the epoch was fenced off before the ack could be recorded', async () => {
    const index = new FakeIndex([]);
    index.confirmation = async () => 'fenced';
    const publisher = new FakePublisher();
    const answer = service(index, publisher, new Map()).append(CONVERSATION, ACTOR, DTO, null);
    await tick();
    publisher.published[0].ack();
    expect(apiCode(await answer.catch((e: unknown) => e))).toBe('outcome_unknown');
  });

  it('answers 503 outcome_unknown when Redis cannot confirm the epoch', async () => {
    const index = new FakeIndex([]);
    index.confirmation = () => Promise.reject(new Error('connection closed'));
    const publisher = new FakePublisher();
    const answer = service(index, publisher, new Map()).append(CONVERSATION, ACTOR, DTO, null);
    await tick();
    publisher.published[0].ack();
    expect(apiCode(await answer.catch((e: unknown) => e))).toBe('outcome_unknown');
  });

  it('answers 503 kafka_unavailable and records no acknowledgement when Kafka refuses the event', async () => {
    const index = new FakeIndex([]);
    const publisher = new FakePublisher();
    const answer = service(index, publisher, new Map()).append(CONVERSATION, ACTOR, DTO, null);
    await tick();
    publisher.published[0].refuse(new Error('broker down'));
    expect(apiCode(await answer.catch((e: unknown) => e))).toBe('kafka_unavailable');
    expect(index.acks).toEqual([]);
  });

  it('restores a pair the projection holds when the index lost it, and answers deduped from it', async () => {
    const index = new FakeIndex([{ kind: 'pair_unknown' }, { kind: 'deduped', seq: 2 }]);
    const publisher = new FakePublisher();
    const pairs = new Map([['worker-1/4', { seq: 2, contentHash: 'abc' }]]);
    await expect(service(index, publisher, pairs).append(CONVERSATION, ACTOR, PAIRED, null)).resolves.toMatchObject({
      seq: 2,
      deduped: true,
    });
    expect(index.restored).toEqual([{ seq: 2, contentHash: 'abc' }]);
    expect(publisher.published).toEqual([]);
  });

  it("answers a charge its tenant's buckets refuse with 429 rate_limited, Retry-After in whole seconds", async () => {
    const index = new FakeIndex([{ kind: 'rate_limited', waitMs: 1500 }]);
    const refused = await service(index, new FakePublisher(), new Map())
      .append(CONVERSATION, ACTOR, DTO, 321)
      .catch((e: unknown) => e);
    expect(refused).toMatchObject({
      status: 429,
      code: 'rate_limited',
      extra: { retry_after_ms: 1500 },
      headers: { 'Retry-After': '2' },
    });
    expect(index.requests.map((r) => r.charge?.args)).toEqual([['50', '16777216', '321']]);
  });

  it("charges the request's bytes with its first decision only, however many it takes", async () => {
    const index = new FakeIndex([{ kind: 'pair_unknown' }, { kind: 'deduped', seq: 2 }]);
    const pairs = new Map([['worker-1/4', { seq: 2, contentHash: 'abc' }]]);
    await service(index, new FakePublisher(), pairs).append(CONVERSATION, ACTOR, PAIRED, 321);
    expect(index.requests.map((r) => r.charge?.args ?? null)).toEqual([['50', '16777216', '321'], null]);
  });

  it('charges nothing for an append the tenant limits do not apply to', async () => {
    const index = new FakeIndex([{ kind: 'deduped', seq: 3 }]);
    await service(index, new FakePublisher(), new Map()).append(CONVERSATION, ACTOR, PAIRED, null);
    expect(index.requests.map((r) => r.charge)).toEqual([null]);
  });

  it('appends a pair the projection does not hold either, telling the index it was checked', async () => {
    const index = new FakeIndex([{ kind: 'pair_unknown' }, { kind: 'reserved', seq: 9, epoch: 3 }]);
    const publisher = new FakePublisher();
    const answer = service(index, publisher, new Map()).append(CONVERSATION, ACTOR, PAIRED, null);
    await tick();
    await tick();
    publisher.published[0].ack();
    await expect(answer).resolves.toMatchObject({ seq: 9, deduped: false });
    expect(index.requests.map((r) => r.pairChecked)).toEqual([false, true]);
  });
});
