/**
 * The runs write path against a real command and projector (AUTH_MODE=on):
 * create, events with producer_seq retries, the commit and its repeat, cancel
 * while writers race it, an abandoned run, a run too large to commit, tenants
 * apart, and a streaming run Redis lost. What a run "is"
 * is read from the runs topic as every consumer reads it (planRunRecord).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { randomUUID } from 'node:crypto';
import {
  advanceRunProgress,
  decodeRunRecord,
  planRunRecord,
  RunEvent,
  RunFinishedRecord,
  RunProgress,
  RunRecordType,
} from '@threadline/contracts';
import { api, ApiResponse, textMessage } from '../support/api-client';
import { CommandStack } from '../support/command-stack';
import { TestIdentityProvider } from '../support/identity-provider';
import { eventually } from '../support/service-process';
import { readRawTopic } from '../support/topic-reader';
import { flushIndex } from '../support/hand-built-events';

const IDLE_MS = 3000;
const MESSAGE_BYTES = 1024;
const COMMIT_WAIT_MS = 1500;
const WRITER = 'conversations:read conversations:write messages:append runs:write';

const idp = new TestIdentityProvider();
const tokens = new Map<string, string>();
let stack: CommandStack;

const call = (who: string, method: string, path: string, body?: unknown): Promise<ApiResponse> =>
  api(stack.baseUrl, method, path, body, undefined, { headers: { authorization: `Bearer ${tokens.get(who)}` } });

const deltas = (...texts: string[]) => texts.map((delta) => ({ kind: 'text-delta', delta }));

async function conversation(who = 'acme'): Promise<string> {
  const id = `runs-${randomUUID()}`;
  expect((await call(who, 'PUT', `/v1/conversations/${id}`, {})).status).toBe(200);
  expect((await call(who, 'POST', `/v1/conversations/${id}/messages`, { message: textMessage('hi') })).status).toBe(
    201,
  );
  return id;
}

async function startRun(conversationId: string, who = 'acme'): Promise<string> {
  const started = await call(who, 'POST', `/v1/conversations/${conversationId}/runs`, { parent_seq: 1 });
  expect(started.status).toBe(201);
  return started.body.run_id as string;
}

/** A call retried while the run answers 409 run_busy, as the SDK does (Retry-After). */
async function untilNotBusy(send: () => Promise<ApiResponse>): Promise<ApiResponse> {
  for (;;) {
    const answer = await send();
    if (answer.status !== 409 || answer.body.error !== 'run_busy') return answer;
    await sleep(20);
  }
}

interface EffectiveRun {
  events: RunEvent[];
  end?: RunFinishedRecord['data'];
}

/** The run as every consumer of the runs topic derives it. */
async function effectiveRun(runId: string): Promise<EffectiveRun> {
  let progress: RunProgress | undefined;
  const run: EffectiveRun = { events: [] };
  for (const { message } of await readRawTopic(stack.env.KAFKA_RUNS_TOPIC)) {
    const record = decodeRunRecord(message.value);
    if (record.run_id !== runId) continue;
    const decision = planRunRecord(progress, record);
    if (decision.kind === 'events') run.events.push(...decision.events);
    if (decision.kind === 'finish' && record.type === RunRecordType.Finished) run.end = record.data;
    progress = advanceRunProgress(progress, record, decision);
  }
  return run;
}

beforeAll(async () => {
  const jwksUrl = await idp.start();
  for (const tenant of ['acme', 'globex']) {
    tokens.set(tenant, await idp.token({ tenant_id: tenant, sub: `agent:${tenant}-writer`, scope: WRITER }));
  }
  tokens.set('acme-reader', await idp.token({ tenant_id: 'acme', sub: 'user:r', scope: 'conversations:read' }));
  tokens.set(
    'acme-moderator',
    await idp.token({ tenant_id: 'acme', sub: 'user:mod', scope: 'conversations:read conversations:write' }),
  );
  stack = new CommandStack('runs-write', 1, {
    ...idp.authEnv(jwksUrl),
    RUN_IDLE_TIMEOUT_MS: String(IDLE_MS),
    LIMIT_MESSAGE_BYTES: String(MESSAGE_BYTES),
    RUN_COMMIT_WAIT_MS: String(COMMIT_WAIT_MS),
  });
  await stack.start();
}, 120_000);

afterAll(async () => {
  await stack?.stop();
  await idp.stop();
});

describe('a run from start to commit', () => {
  let id: string;
  let runId: string;

  beforeAll(async () => {
    id = await conversation();
    runId = await startRun(id);
  });

  it('starts streaming with the caller as its actor', async () => {
    const started = await call('acme', 'POST', `/v1/conversations/${id}/runs`, { metadata: { model: 'm1' } });
    expect(started.status).toBe(201);
    expect(started.body).toMatchObject({
      conversation_id: id,
      status: 'streaming',
      actor: 'agent:acme-writer',
      metadata: { model: 'm1' },
      last_run_seq: 0,
    });
    expect(started.body.run_id).toMatch(/^run_/);
  });

  it('numbers events from 1 and answers a producer_seq retry with the same last_run_seq, deduped', async () => {
    const first = await call('acme', 'POST', `/v1/runs/${runId}/events`, {
      events: deltas('Hel', 'lo'),
      producer_seq: 1,
    });
    expect(first).toMatchObject({ status: 201, body: { last_run_seq: 2, deduped: false } });
    const retry = await call('acme', 'POST', `/v1/runs/${runId}/events`, {
      events: deltas('Hel', 'lo'),
      producer_seq: 1,
    });
    expect(retry).toMatchObject({ status: 201, body: { last_run_seq: 2, deduped: true } });
    const conflict = await call('acme', 'POST', `/v1/runs/${runId}/events`, {
      events: deltas('other'),
      producer_seq: 1,
    });
    expect(conflict).toMatchObject({ status: 409, body: { error: 'producer_replay_conflict' } });
    const next = await call('acme', 'POST', `/v1/runs/${runId}/events`, {
      events: deltas(', world'),
      producer_seq: 2,
    });
    expect(next).toMatchObject({ status: 201, body: { last_run_seq: 3 } });
  });

  it('refuses an unknown kind with 400 invalid_run_event naming it and its index, accepting nothing', async () => {
    const refused = await call('acme', 'POST', `/v1/runs/${runId}/events`, {
      events: [...deltas('x'), { kind: 'telepathy', delta: 'y' }],
    });
    expect(refused.status).toBe(400);
    expect(refused.body.error).toBe('invalid_run_event');
    expect(refused.body.message).toMatch(/^events\[1\]\.kind: .*"telepathy"/);
  });

  it('commits the events as one assistant message and answers a repeated commit with the same seq', async () => {
    const committed = await call('acme', 'POST', `/v1/runs/${runId}/commit`);
    expect(committed).toMatchObject({ status: 200, body: { run_id: runId, status: 'committed', last_run_seq: 3 } });
    const seq = (committed.body.messages as Array<{ seq: number }>)[0].seq;
    expect(seq).toBe(2);
    const again = await call('acme', 'POST', `/v1/runs/${runId}/commit`);
    expect(again).toMatchObject({ status: 200, body: { messages: [{ seq }] } });

    const read = await call('acme', 'GET', `/v1/conversations/${id}/messages?from=2`);
    const messages = read.body.messages as Array<Record<string, unknown>>;
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatchObject({
      seq,
      role: 'assistant',
      actor: 'agent:acme-writer',
      parts: [{ type: 'text', text: 'Hello, world' }],
      metadata: { run: { id: runId, last_run_seq: 3 } },
    });
    const run = await effectiveRun(runId);
    expect(run.events.map((e) => e.run_seq)).toEqual([1, 2, 3]);
    expect(run.end).toMatchObject({ status: 'committed', last_run_seq: 3, message_seqs: [seq] });
  });

  it('answers events after the commit with 409 run_finished', async () => {
    const late = await call('acme', 'POST', `/v1/runs/${runId}/events`, { events: deltas('late') });
    expect(late).toMatchObject({ status: 409, body: { error: 'run_finished' } });
    expect((await call('acme', 'POST', `/v1/runs/${runId}/cancel`)).body.error).toBe('run_finished');
  });
});

describe('a run too large to commit', () => {
  it('answers 413 run_too_large, ends the run failed (commit_refused) and appends nothing', async () => {
    const id = await conversation();
    const runId = await startRun(id);
    const chunk = 'x'.repeat(MESSAGE_BYTES / 2);
    for (const seq of [1, 2, 3]) {
      const answer = await call('acme', 'POST', `/v1/runs/${runId}/events`, {
        events: deltas(chunk),
        producer_seq: seq,
      });
      expect(answer.status).toBe(201);
    }
    const refused = await call('acme', 'POST', `/v1/runs/${runId}/commit`);
    expect(refused).toMatchObject({ status: 413, body: { error: 'run_too_large' } });
    expect((await effectiveRun(runId)).end).toMatchObject({ status: 'failed', reason: 'commit_refused' });
    const again = await call('acme', 'POST', `/v1/runs/${runId}/commit`);
    expect(again).toMatchObject({ status: 409, body: { error: 'run_finished', status: 'failed' } });
    const read = await call('acme', 'GET', `/v1/conversations/${id}/messages?from=2`);
    expect(read.body.messages).toEqual([]);
  });
});

describe('cancel while writers race it', () => {
  it('accepts no event after the cancel answered, in the topic or the conversation', async () => {
    const id = await conversation();
    const runId = await startRun(id);
    let cancelled = false;
    const accepted: number[] = [];
    const writer = async (name: string) => {
      for (let n = 0; !cancelled || n < 3; n += 1) {
        const answer = await call('acme', 'POST', `/v1/runs/${runId}/events`, { events: deltas(`${name}${n} `) });
        if (answer.status === 201) accepted.push(answer.body.last_run_seq as number);
        else if (answer.body.error === 'run_cancelled') return;
        else expect(answer.body.error).toBe('run_busy');
      }
    };
    const writers = ['a', 'b', 'c'].map(writer);
    await eventually('events accepted before the cancel', async () => accepted.length >= 5);
    const cancel = await untilNotBusy(() => call('acme-moderator', 'POST', `/v1/runs/${runId}/cancel`));
    cancelled = true;
    expect(cancel).toMatchObject({ status: 200, body: { status: 'cancelled', reason: 'requested' } });
    const lastRunSeq = cancel.body.last_run_seq as number;
    const afterCancel = await call('acme', 'POST', `/v1/runs/${runId}/events`, { events: deltas('late') });
    expect(afterCancel).toMatchObject({ status: 409, body: { error: 'run_cancelled' } });
    await Promise.all(writers);

    expect(Math.max(...accepted)).toBeLessThanOrEqual(lastRunSeq);
    const run = await effectiveRun(runId);
    expect(run.end).toMatchObject({ status: 'cancelled', last_run_seq: lastRunSeq });
    expect(run.events.map((e) => e.run_seq)).toEqual(Array.from({ length: lastRunSeq }, (_, i) => i + 1));
    expect((await call('acme', 'POST', `/v1/runs/${runId}/commit`)).body.error).toBe('run_cancelled');
    const read = await call('acme', 'GET', `/v1/conversations/${id}/messages?from=2`);
    expect(read.body.messages).toEqual([]);
  });
});

describe('an abandoned run', () => {
  it('fails as abandoned after RUN_IDLE_TIMEOUT_MS without an operation, and takes no event after', async () => {
    const id = await conversation();
    const runId = await startRun(id);
    expect((await call('acme', 'POST', `/v1/runs/${runId}/events`, { events: deltas('a') })).status).toBe(201);
    const run = await eventually(
      'the run abandoned',
      async () => {
        const derived = await effectiveRun(runId);
        return derived.end ? derived : undefined;
      },
      IDLE_MS * 4,
      IDLE_MS / 6,
    );
    expect(run.end).toMatchObject({ status: 'failed', reason: 'abandoned', last_run_seq: 1 });
    expect(run.events.map((e) => e.run_seq)).toEqual([1]);
    expect((await call('acme', 'POST', `/v1/runs/${runId}/events`, { events: deltas('b') })).body.error).toBe(
      'run_finished',
    );
  });
});

describe('a commit the projector is too slow for', () => {
  it('answers 503 outcome_pending, keeps the run committing, and the idle reaper completes the commit once', async () => {
    const id = await conversation();
    const runId = await startRun(id);
    await stack.projector.pause();
    try {
      expect(
        (await call('acme', 'POST', `/v1/runs/${runId}/events`, { events: deltas('late ', 'answer') })).status,
      ).toBe(201);
      const pending = await call('acme', 'POST', `/v1/runs/${runId}/commit`);
      expect(pending).toMatchObject({ status: 503, body: { error: 'outcome_pending' } });
      expect(pending.headers.get('retry-after')).toBe('1');
      expect((await call('acme', 'POST', `/v1/runs/${runId}/cancel`)).body.error).toBe('run_committing');
      const events = await call('acme', 'POST', `/v1/runs/${runId}/events`, { events: deltas('more') });
      expect(events.body.error).toBe('run_committing');
    } finally {
      await stack.projector.resume();
    }
    const run = await eventually(
      'the reaper committing the run',
      async () => {
        const derived = await effectiveRun(runId);
        return derived.end ? derived : undefined;
      },
      IDLE_MS * 5,
      IDLE_MS / 6,
    );
    expect(run.end).toMatchObject({ status: 'committed', last_run_seq: 2, message_seqs: [2] });
    const read = await call('acme', 'GET', `/v1/conversations/${id}/messages?from=2`);
    expect(read.body.messages).toEqual([
      expect.objectContaining({ seq: 2, parts: [{ type: 'text', text: 'late answer' }] }),
    ]);
    expect(await call('acme', 'POST', `/v1/runs/${runId}/commit`)).toMatchObject({
      status: 200,
      body: { messages: [{ seq: 2 }] },
    });
  });
});

describe('tenants and scopes', () => {
  let id: string;
  let runId: string;

  beforeAll(async () => {
    id = await conversation();
    runId = await startRun(id);
  });

  it('answers another tenant 404 run_not_found on every write route, and changes nothing', async () => {
    for (const path of ['events', 'commit', 'fail', 'cancel']) {
      const body = path === 'events' ? { events: deltas('x') } : {};
      const answer = await call('globex', 'POST', `/v1/runs/${runId}/${path}`, body);
      expect(answer).toMatchObject({ status: 404, body: { error: 'run_not_found' } });
    }
    const own = await call('acme', 'POST', `/v1/runs/${runId}/events`, { events: deltas('mine') });
    expect(own).toMatchObject({ status: 201, body: { last_run_seq: 1 } });
  });

  it('answers another tenant starting a run in a conversation of the same id 404 conversation_not_found', async () => {
    const answer = await call('globex', 'POST', `/v1/conversations/${id}/runs`, {});
    expect(answer).toMatchObject({ status: 404, body: { error: 'conversation_not_found' } });
  });

  it('needs runs:write to write, and runs:write or conversations:write to cancel', async () => {
    const events = await call('acme-reader', 'POST', `/v1/runs/${runId}/events`, { events: deltas('x') });
    expect(events).toMatchObject({ status: 403, body: { error: 'forbidden_scope' } });
    const cancel = await call('acme-reader', 'POST', `/v1/runs/${runId}/cancel`);
    expect(cancel).toMatchObject({ status: 403, body: { error: 'forbidden_scope' } });
    const unauthenticated = await api(stack.baseUrl, 'POST', `/v1/runs/${runId}/commit`);
    expect(unauthenticated.status).toBe(401);
  });

  it('keeps a token pinned to another conversation away from the run', async () => {
    tokens.set(
      'acme-pinned',
      await idp.token({ tenant_id: 'acme', sub: 'agent:pinned', scope: WRITER, conversation_id: 'elsewhere' }),
    );
    const answer = await call('acme-pinned', 'POST', `/v1/runs/${runId}/events`, { events: deltas('x') });
    expect(answer).toMatchObject({ status: 403, body: { error: 'forbidden_conversation' } });
  });
});

describe('Redis losing a streaming run', () => {
  it('ends the run failed (index_lost) on its next operation, answering 409 run_finished', async () => {
    const id = await conversation();
    const runId = await startRun(id);
    expect((await call('acme', 'POST', `/v1/runs/${runId}/events`, { events: deltas('a') })).status).toBe(201);
    await flushIndex(stack.env.REDIS_KEY_PREFIX);

    const refused = await eventually('the lost run found in the projection', async () => {
      const answer = await call('acme', 'POST', `/v1/runs/${runId}/events`, { events: deltas('b') });
      return answer.status === 409 ? answer : undefined;
    });
    expect(refused.body).toMatchObject({ error: 'run_finished', status: 'failed' });
    const run = await effectiveRun(runId);
    expect(run.end).toMatchObject({ status: 'failed', reason: 'index_lost', last_run_seq: 1 });
    expect(run.events.map((e) => e.run_seq)).toEqual([1]);
    expect((await call('acme', 'POST', `/v1/runs/${runId}/commit`)).body.error).toBe('run_finished');
  });

  it('ends a run Redis lost and nobody touches again as failed (index_lost) by the idle sweep', async () => {
    await eventually('the head index trusted again', async () => (await fetch(`${stack.baseUrl}/health/ready`)).ok);
    const id = await conversation();
    const runId = await startRun(id);
    expect((await call('acme', 'POST', `/v1/runs/${runId}/events`, { events: deltas('a') })).status).toBe(201);
    await eventually('the run streaming in the projection', async () => {
      const answer = await call('acme', 'GET', `/v1/runs/${runId}`);
      return answer.body.status === 'streaming' && answer.body.last_run_seq === 1;
    });
    await flushIndex(stack.env.REDIS_KEY_PREFIX);

    const ended = await eventually('the sweep to end the lost run', async () => (await effectiveRun(runId)).end);
    expect(ended).toMatchObject({ status: 'failed', reason: 'index_lost', last_run_seq: 1 });
    await eventually('the end projected', async () => {
      const answer = await call('acme', 'GET', `/v1/runs/${runId}`);
      return answer.body.status === 'failed' && answer.body.reason === 'index_lost';
    });
  });
});
