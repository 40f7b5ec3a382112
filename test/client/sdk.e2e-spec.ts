/**
 * The SDK (libs/client) against the real command, projector and realtime services with authentication on:
 * every conversation call, typed errors, retries proved safe by a response lost after the server accepted,
 * the version-retry loop under contention, the history iterator, runs (followed live by subscribeRun, and over
 * REST while realtime is down), a subscription that goes on across a SIGKILL of the realtime instance without a
 * duplicate or a skipped seq, and token expiry (4001) with and without getToken. Gap repair: gap-repair.e2e-spec.ts.
 */
import {
  appendWithVersionRetry,
  ConflictError,
  toUIMessages,
  ForbiddenError,
  Message,
  NotFoundError,
  RunEnd,
  RunEvent,
  StreamItem,
  TombstonedError,
  UnauthorizedError,
  ValidationError,
} from '../../libs/client/src';
import { createUIMessageStream } from 'ai';
import { createApiKey } from '../support/identity-provider';
import { WEATHER_REPLY, weatherAgentResponse } from '../support/ui-message-streams';
import { eventually } from '../support/service-process';
import { ALL_SCOPES, ClientStack, perTestSignal, text, uniqueId } from './client-stack';

const services = new ClientStack('sdk');

beforeAll(() => services.start(), 120_000);
afterAll(() => services.stop());

const thisTest = perTestSignal();

describe('conversations', () => {
  it('creates, appends, reads the tail and the replay, and iterates the whole history by pages', async () => {
    const client = await services.client();
    const id = uniqueId('basic');
    const convo = await client.conversation(id, { metadata: { channel: 'web' } });
    for (let i = 1; i <= 7; i += 1) {
      expect(await convo.append(text(`m${i}`))).toMatchObject({ seq: i, version: i, deduped: false });
    }
    expect(await client.getConversation(id)).toMatchObject({ id, last_seq: 7, metadata: { channel: 'web' } });
    const tail = await convo.tail({ limit: 3 });
    expect(tail.messages.map((m) => m.seq)).toEqual([5, 6, 7]);
    const replay = await convo.replay({ from: 2, limit: 2 });
    expect(replay.messages.map((m) => m.seq)).toEqual([2, 3]);
    const all: Message[] = [];
    for await (const message of convo.messages({ pageSize: 2 })) {
      all.push(message);
    }
    expect(all.map((m) => m.parts[0].text)).toEqual(['m1', 'm2', 'm3', 'm4', 'm5', 'm6', 'm7']);
    expect(all[0]).toMatchObject({ actor: 'service:sdk-test', producer_id: client.producerId, producer_seq: 1 });
    const listed = await client.listConversations({ metadata: { channel: 'web' } });
    await eventually('the listing to show the conversation', async () =>
      (await client.listConversations({ metadata: { channel: 'web' } })).conversations.some((c) => c.id === id),
    );
    expect(listed.next_cursor === null || typeof listed.next_cursor === 'string').toBe(true);
  });

  it('answers each refusal with its typed error and the server fields', async () => {
    const client = await services.client();
    const id = uniqueId('errors');
    const convo = await client.conversation(id);
    await convo.append(text('first'));

    const stale = await convo.append(text('late'), { ifVersion: 0 }).catch((e: unknown) => e);
    expect(stale).toBeInstanceOf(ConflictError);
    expect(stale).toMatchObject({ status: 409, code: 'conflict', currentVersion: 1 });

    const unknown = await client.getConversation(uniqueId('nobody')).catch((e: unknown) => e);
    expect(unknown).toBeInstanceOf(NotFoundError);
    expect(unknown).toMatchObject({ code: 'conversation_not_found' });

    const invalid = await convo.append({ role: 'user', parts: [] }).catch((e: unknown) => e);
    expect(invalid).toBeInstanceOf(ValidationError);
    expect(invalid).toMatchObject({ code: 'invalid_message' });
    expect((invalid as ValidationError).field).toMatch(/^message\.parts/);

    const stranger = await services.client({ token: 'tl_not_a_key' });
    await expect(stranger.getConversation(id)).rejects.toBeInstanceOf(UnauthorizedError);
    const reader = await services.client({ token: await services.token('service:reader', 'conversations:read') });
    await expect(reader.handle(id).append(text('no'))).rejects.toMatchObject({ code: 'forbidden_scope' });
    await expect(reader.handle(id).append(text('no'))).rejects.toBeInstanceOf(ForbiddenError);

    await client.tombstoneConversation(id);
    const gone = await convo.append(text('after')).catch((e: unknown) => e);
    expect(gone).toBeInstanceOf(TombstonedError);
    expect(gone).toMatchObject({ status: 410, code: 'conversation_tombstoned' });
  });

  it('retries an append whose answer was lost after the server accepted it, and the server answers the original seq', async () => {
    let lost = 0;
    const losingFetch: typeof fetch = async (input, init) => {
      const res = await fetch(input, init);
      if (init?.method === 'POST' && lost === 0) {
        lost += 1;
        await new Promise((_resolve, reject) =>
          init.signal?.addEventListener('abort', () => reject(new Error('aborted'))),
        );
      }
      return res;
    };
    const client = await services.client({ fetch: losingFetch, timeoutMs: 1000 });
    const convo = await client.conversation(uniqueId('retry'));
    const result = await convo.append(text('exactly once'));
    expect(lost).toBe(1);
    expect(result).toMatchObject({ seq: 1, deduped: true });
    expect((await convo.replay()).messages.map((m) => m.seq)).toEqual([1]);
    expect(await convo.append(text('next'))).toMatchObject({ seq: 2, deduped: false });
  });

  it('appendWithVersionRetry: concurrent writers each append once, every one at the version it read', async () => {
    const id = uniqueId('contended');
    const writers = await Promise.all([1, 2, 3, 4].map(() => services.client()));
    const convo = await writers[0].conversation(id);
    const results = await Promise.all(
      writers.map((writer, i) =>
        appendWithVersionRetry(writer.handle(id), (current) => text(`writer ${i} after version ${current.version}`)),
      ),
    );
    expect(results.map((r) => r.seq).sort()).toEqual([1, 2, 3, 4]);
    const page = await convo.replay();
    for (const message of page.messages) {
      expect(message.kind === 'message' && message.parts[0].text).toMatch(
        new RegExp(`after version ${message.seq - 1}$`),
      );
    }
  });

  it('marks a conversation read and shows it in the participant inbox', async () => {
    const id = uniqueId('inbox');
    const service = await services.client();
    const ada = await services.client({ token: await services.token('user:ada') });
    await service.conversation(id, { participants: [{ id: 'ada', kind: 'user' }] });
    await service.handle(id).append(text('for ada', 'assistant'));
    await service.handle(id).append(text('again', 'assistant'));
    expect(await ada.handle(id).markRead(1)).toMatchObject({ read_seq: 1 });
    const entry = await eventually('the inbox to show the conversation', async () =>
      (await ada.inbox('ada')).conversations.find((c) => c.id === id && c.last_seq === 2),
    );
    expect(entry).toMatchObject({ unread_count: 1, read_seq: 1, preview: 'again' });
  });

  it('stops a call when its AbortSignal aborts', async () => {
    const client = await services.client();
    const controller = new AbortController();
    controller.abort();
    await expect(client.getConversation('any', { signal: controller.signal })).rejects.toMatchObject({
      code: 'aborted',
    });
  });
});

describe('runs', () => {
  it('streams a run, commits it once (a repeated commit answers the same) and reads its events back', async () => {
    const client = await services.client();
    const convo = await client.conversation(uniqueId('run'));
    const question = await convo.append(text('Weather in Oslo?'));
    const run = await convo.startRun({ parentSeq: question.seq, metadata: { model: 'test' } });
    await run.push([
      { kind: 'text-delta', delta: 'It is ' },
      { kind: 'text-delta', delta: '3 °C.' },
    ]);
    const committed = await run.commit();
    expect(committed).toMatchObject({ status: 'committed', last_run_seq: 2 });
    expect(await run.commit()).toEqual(committed);
    const events = [];
    for await (const event of client.subscribeRun(run.runId, { signal: thisTest() })) {
      events.push(event);
    }
    expect(events.map((e) => [e.run_seq, e.delta])).toEqual([
      [1, 'It is '],
      [2, '3 °C.'],
    ]);
    const page = await convo.replay({ from: 2 });
    expect(page.messages[0]).toMatchObject({
      kind: 'message',
      role: 'assistant',
      parts: [{ type: 'text', text: 'It is 3 °C.' }],
    });
  });
});

/** Reads a subscribeRun iterator to its end: the events, and the end it returns. */
async function followed(run: AsyncGenerator<RunEvent, RunEnd>, events: RunEvent[]): Promise<RunEnd> {
  for (;;) {
    const next = await run.next();
    if (next.done) {
      return next.value;
    }
    events.push(next.value);
  }
}

const delta = (value: string) => ({ kind: 'text-delta' as const, delta: value });

describe('following a run', () => {
  it('subscribeRun follows a live run over the realtime stream: every event once, in run_seq order, then its end', async () => {
    const client = await services.client();
    const convo = await client.conversation(uniqueId('live-run'));
    const run = await convo.startRun();
    await run.push([delta('a1')]);
    const events: RunEvent[] = [];
    // No REST polling for a minute: what arrives in time came over the realtime stream.
    const following = followed(client.subscribeRun(run.runId, { quietMs: 60_000, signal: thisTest() }), events);
    await eventually('the event pushed before subscribing', async () => events.length === 1);
    for (let batch = 2; batch <= 5; batch += 1) {
      await run.push([delta(`b${batch}.1`), delta(`b${batch}.2`)]);
    }
    await eventually('the live events', async () => events.length >= 9);
    await run.commit();
    const end = await following;
    expect(events.map((e) => e.run_seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(events[8]).toMatchObject({ kind: 'text-delta', delta: 'b5.2' });
    expect(end).toMatchObject({ run_id: run.runId, status: 'committed', last_run_seq: 9, messages: [{ seq: 1 }] });
  });

  it('subscribeRun carries a run on over the REST replay while the realtime instance is down, from fromSeq', async () => {
    const client = await services.client();
    const convo = await client.conversation(uniqueId('run-fallback'));
    const run = await convo.startRun();
    await run.push([delta('1'), delta('2')]);
    const events: RunEvent[] = [];
    const following = followed(
      client.subscribeRun(run.runId, { fromSeq: 1, quietMs: 300, signal: thisTest() }),
      events,
    );
    await eventually('the event after fromSeq', async () => events.length === 1);
    await services.killRealtime();
    await run.push([delta('3'), delta('4')]);
    await eventually('the events pushed while realtime is down', async () => events.length === 3);
    await services.restartRealtime();
    await run.push([delta('5')]);
    await run.cancel();
    const end = await following;
    expect(events.map((e) => e.run_seq)).toEqual([2, 3, 4, 5]);
    expect(end).toMatchObject({ status: 'cancelled', last_run_seq: 5 });
  });
});

describe('AI SDK interop', () => {
  it("pipes an agent's toUIMessageStreamResponse() into a run, and loads the committed reply back as UIMessages", async () => {
    const client = await services.client();
    const convo = await client.conversation(uniqueId('pipe'));
    await convo.append(text('Weather in Oslo?'));
    const run = await convo.startRun();
    expect(await run.pipe(weatherAgentResponse())).toMatchObject({ status: 'committed', messages: [{ seq: 2 }] });
    const history = [];
    for await (const message of convo.messages()) {
      history.push(message);
    }
    const [question, answer] = toUIMessages(history);
    expect(question).toMatchObject({ id: 'seq-1', role: 'user', parts: [{ type: 'text', text: 'Weather in Oslo?' }] });
    expect(answer.role).toBe('assistant');
    expect(answer.parts).toEqual(
      expect.arrayContaining([
        { type: 'reasoning', text: WEATHER_REPLY.reasoning },
        expect.objectContaining({
          type: 'tool-weather',
          toolCallId: WEATHER_REPLY.toolCallId,
          state: 'output-available',
          input: WEATHER_REPLY.input,
          output: WEATHER_REPLY.output,
        }),
        { type: 'text', text: WEATHER_REPLY.textDeltas.join('') },
      ]),
    );
  });

  it("pipes a stream of UI message chunks (toUIMessageStream()'s form) into a run", async () => {
    const client = await services.client();
    const convo = await client.conversation(uniqueId('chunks'));
    const run = await convo.startRun();
    const chunks = createUIMessageStream({
      execute: ({ writer }) => {
        writer.write({ type: 'start' });
        writer.write({ type: 'text-start', id: 't' });
        writer.write({ type: 'text-delta', id: 't', delta: 'streamed ' });
        writer.write({ type: 'text-delta', id: 't', delta: 'chunks' });
        writer.write({ type: 'text-end', id: 't' });
        writer.write({ type: 'finish' });
      },
    });
    expect(await run.pipe(chunks)).toMatchObject({ status: 'committed' });
    expect((await convo.replay()).messages[0]).toMatchObject({ parts: [{ type: 'text', text: 'streamed chunks' }] });
  });
});

describe('agents, sessions and keys', () => {
  it('registers, reads, updates, rotates and disables an agent, and lists its deliveries', async () => {
    const client = await services.client();
    const id = uniqueId('helper');
    const created = await client.agents.create({ id, webhook_url: 'http://127.0.0.1:9/hook' });
    expect(created.signing_secret).toMatch(/^whsec_/);
    expect(await client.agents.get(id)).toMatchObject({ id, status: 'enabled' });
    expect(await client.agents.update(id, { timeout_ms: 2000 })).toMatchObject({ timeout_ms: 2000 });
    expect((await client.agents.rotateSecret(id)).signing_secret).not.toBe(created.signing_secret);
    expect((await client.agents.list()).agents.map((a) => a.id)).toContain(id);
    expect(await client.agents.deliveries(id)).toEqual({ deliveries: [], next_cursor: null });
    await client.agents.disable(id);
    expect(await client.agents.get(id)).toMatchObject({ status: 'disabled' });
    await expect(client.agents.create({ id, webhook_url: 'http://127.0.0.1:9/hook' })).rejects.toMatchObject({
      code: 'agent_exists',
    });
    await expect(client.deliveries.get('00000000-0000-4000-8000-000000000000')).rejects.toBeInstanceOf(NotFoundError);
  });

  it("works with sessions in Starcite's shapes, appending with the client's producer pair", async () => {
    const client = await services.client({ token: await services.token('agent:drafter') });
    const id = uniqueId('ses');
    expect(await client.sessions.create({ id, title: 'Draft' })).toMatchObject({ id, title: 'Draft', version: 0 });
    expect(await client.sessions.append(id, { type: 'content', payload: { text: 'clause 4.2' } })).toMatchObject({
      seq: 1,
      deduped: false,
    });
    expect(await client.sessions.update(id, { title: 'Final' })).toMatchObject({ title: 'Final', version: 1 });
    expect(await client.sessions.archive(id)).toMatchObject({ archived: true });
    const events = await client.sessions.events(id);
    expect(events.events).toEqual([
      expect.objectContaining({ seq: 1, type: 'content', actor: 'agent:drafter', producer_id: client.producerId }),
    ]);
    expect((await client.handle(id).replay()).messages[0]).toMatchObject({ role: 'assistant' });
  });

  it('creates, lists and revokes API keys with an admin key (apiKey option)', async () => {
    const admin = await services.client({
      token: undefined,
      apiKey: createApiKey(services.stack.env, services.tenant, 'service:admin', ['admin']).key,
    });
    const created = await admin.keys.create({
      tenant_id: services.tenant,
      subject: 'service:ingest',
      scopes: ['messages:append'],
    });
    expect(created.key).toMatch(/^tl_/);
    const listed = await admin.keys.list(services.tenant);
    expect(listed.api_keys.find((k) => k.id === created.id)).toMatchObject({
      subject: 'service:ingest',
      revoked_at: null,
    });
    await admin.keys.revoke(created.id);
    const after = await admin.keys.list(services.tenant);
    expect(after.api_keys.find((k) => k.id === created.id)?.revoked_at).toEqual(expect.any(String));
  });
});

describe('subscriptions', () => {
  it('delivers every seq once, in order, across a SIGKILL of the realtime instance and appends made while it was down', async () => {
    const client = await services.client();
    const convo = await client.conversation(uniqueId('sigkill'));
    const delivered: number[] = [];
    let reconnects = 0;
    const subscription = await convo.subscribe({
      cursor: 0,
      signal: thisTest(),
      onMessage: (message) => {
        delivered.push(message.seq);
      },
      onReconnect: () => {
        reconnects += 1;
      },
    });
    const appendRange = async (from: number, to: number) => {
      for (let i = from; i <= to; i += 1) {
        expect((await convo.append(text(`m${i}`))).seq).toBe(i);
      }
    };
    await appendRange(1, 5);
    await eventually('seqs 1..5 delivered', async () => delivered.length >= 5);
    await services.killRealtime();
    await appendRange(6, 10);
    await services.restartRealtime();
    await appendRange(11, 15);
    await eventually('seqs 1..15 delivered', async () => delivered.length >= 15, 60_000);
    subscription.close();
    await subscription.done;
    expect(delivered).toEqual(Array.from({ length: 15 }, (_, i) => i + 1));
    expect(reconnects).toBeGreaterThan(0);
    expect(subscription.lastSeq).toBe(15);
  });

  it('yields messages and a run as it streams through the async-iterator form, from a cursor', async () => {
    const client = await services.client();
    const convo = await client.conversation(uniqueId('iterate'));
    await convo.append(text('before the cursor'));
    await convo.append(text('after the cursor'));
    const items: StreamItem[] = [];
    const reading = (async () => {
      for await (const item of convo.stream({ cursor: 1, signal: thisTest() })) {
        items.push(item);
        if (item.type === 'message' && item.message.role === 'assistant') {
          break;
        }
      }
    })();
    await eventually('the message after the cursor', async () => items.length === 1);
    const run = await convo.startRun();
    await run.push([{ kind: 'text-delta', delta: 'Hi' }]);
    await eventually('the run event', async () => items.length === 2);
    await run.commit();
    await reading;
    expect(items.map((item) => item.type)).toEqual(['message', 'run_event', 'run_status', 'message']);
    expect(items[0]).toMatchObject({ message: { seq: 2, parts: [{ text: 'after the cursor' }] } });
    expect(items[1]).toMatchObject({ run_id: run.runId, run_seq: 1, kind: 'text-delta', delta: 'Hi' });
    expect(items[3]).toMatchObject({ message: { seq: 3, metadata: { run: { id: run.runId } } } });
  });

  it('reconnects with a token from getToken when the realtime service closes an expired one with 4001', async () => {
    const minted: string[] = [];
    const getToken = async () => {
      const token = await services.idp.token(
        { tenant_id: services.tenant, sub: 'service:sdk-test', scope: ALL_SCOPES },
        { expiresInS: 3 },
      );
      minted.push(token);
      return token;
    };
    const client = await services.client({ token: undefined, getToken });
    const convo = await client.conversation(uniqueId('refresh'));
    const delivered: number[] = [];
    let reconnects = 0;
    const subscription = await convo.subscribe({
      cursor: 0,
      signal: thisTest(),
      onMessage: (message) => {
        delivered.push(message.seq);
      },
      onReconnect: () => {
        reconnects += 1;
      },
    });
    await convo.append(text('before expiry'));
    await eventually('seq 1 delivered', async () => delivered.length === 1);
    const mintedBefore = minted.length;
    await eventually('a reconnect after the token expired', async () => reconnects >= 1, 15_000);
    await convo.append(text('after expiry'));
    await eventually('seq 2 delivered', async () => delivered.length === 2, 15_000);
    subscription.close();
    await subscription.done;
    expect(delivered).toEqual([1, 2]);
    expect(minted.length).toBeGreaterThan(mintedBefore);
  });

  it('ends at once with UnauthorizedError token_expired when a fixed token expires (4001), instead of reconnecting', async () => {
    const token = await services.idp.token(
      { tenant_id: services.tenant, sub: 'service:sdk-test', scope: ALL_SCOPES },
      { expiresInS: 2 },
    );
    const client = await services.client({ token });
    const subscription = await client
      .handle(uniqueId('expiring'))
      .subscribe({ cursor: 0, signal: thisTest(), onMessage: () => undefined });
    await expect(subscription.done).rejects.toBeInstanceOf(UnauthorizedError);
    await expect(subscription.done).rejects.toMatchObject({ code: 'token_expired' });
  });

  it('ends with the typed error when the stream is refused (a credential without conversations:read)', async () => {
    const client = await services.client({ token: await services.token('service:writer', 'messages:append') });
    const subscription = await client
      .handle(uniqueId('refused'))
      .subscribe({ cursor: 0, signal: thisTest(), onMessage: () => undefined });
    await expect(subscription.done).rejects.toBeInstanceOf(ForbiddenError);
  });
});
