/**
 * The runs API through the real command and projector (AUTH_MODE=on, JWTs of two
 * tenants): an AI SDK UI message stream produced by the `ai` package itself
 * (streamText over a mock model, toUIMessageStreamResponse) piped into
 * POST /v1/runs/{run_id}/stream and committed as one message; an error chunk
 * failing the run; refused streams; the read routes paging exactly; tenants and
 * pinned tokens kept apart; answers in the shapes of the OpenAPI document.
 */
import { randomUUID } from 'node:crypto';
import { api, ApiResponse } from '../support/api-client';
import { CommandStack } from '../support/command-stack';
import { TestIdentityProvider } from '../support/identity-provider';
import { eventually } from '../support/service-process';
import { failingAgentResponse, WEATHER_REPLY, weatherAgentResponse } from '../support/ui-message-streams';
import { schemaChecker } from '../support/openapi-schemas';

const SCOPES = 'conversations:read conversations:write messages:append runs:write';
const idp = new TestIdentityProvider();
let stack: CommandStack;

type Body = Record<string, unknown>;

async function bearer(tenant: string, claims: Record<string, unknown> = {}): Promise<Record<string, string>> {
  const token = await idp.token({ tenant_id: tenant, sub: 'agent:writer', scope: SCOPES, ...claims });
  return { authorization: `Bearer ${token}` };
}

async function call<T = Body>(tenant: string, method: string, path: string, body?: unknown) {
  return api<T>(stack.baseUrl, method, path, body, undefined, { headers: await bearer(tenant) });
}

async function conversation(tenant = 'acme'): Promise<string> {
  const id = `runs-api-${randomUUID()}`;
  expect((await call(tenant, 'PUT', `/v1/conversations/${id}`, {})).status).toBe(200);
  return id;
}

async function startRun(conversationId: string): Promise<string> {
  const res = await call('acme', 'POST', `/v1/conversations/${conversationId}/runs`, { metadata: { model: 'mock' } });
  expect(res.status).toBe(201);
  return res.body.run_id as string;
}

/** Pipes a UI message stream response's body into the run, as an agent does with fetch. */
async function pipe(runId: string, response: Response): Promise<ApiResponse> {
  const res = await fetch(`${stack.baseUrl}/v1/runs/${runId}/stream`, {
    method: 'POST',
    headers: { 'content-type': response.headers.get('content-type') ?? '', ...(await bearer('acme')) },
    body: response.body,
    duplex: 'half',
  });
  const text = await res.text();
  return { status: res.status, body: JSON.parse(text) as Body, headers: res.headers };
}

/** The run as the projection has it, once `ready` holds. */
function projectedRun(runId: string, ready: (run: Body) => boolean): Promise<Body> {
  return eventually(`run ${runId} projected`, async () => {
    const res = await call('acme', 'GET', `/v1/runs/${runId}`);
    return res.status === 200 && ready(res.body) ? res.body : null;
  });
}

async function appendEvents(runId: string, count: number, producerSeq: number): Promise<void> {
  const events = Array.from({ length: count }, (_, i) => ({ kind: 'text-delta', delta: `${producerSeq}.${i} ` }));
  const res = await call('acme', 'POST', `/v1/runs/${runId}/events`, { events, producer_seq: producerSeq });
  expect(res.status).toBe(201);
}

type EventPage = { events: { run_seq: number }[]; next_after: number | null };
type RunPage = { runs: { run_id: string }[]; next_cursor: string | null };

beforeAll(async () => {
  const jwksUrl = await idp.start();
  stack = new CommandStack('runs-api', 1, idp.authEnv(jwksUrl));
  await stack.start();
}, 120_000);

afterAll(async () => {
  await stack?.stop();
  await idp.stop();
});

describe('POST /v1/runs/{run_id}/stream', () => {
  it('commits a real AI SDK UI message stream as one message whose parts are what the model streamed', async () => {
    const id = await conversation();
    const runId = await startRun(id);
    const res = await pipe(runId, weatherAgentResponse());
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ run_id: runId, status: 'committed', messages: [{ seq: 1 }] });

    const page = await call<{ messages: Body[] }>('acme', 'GET', `/v1/conversations/${id}/messages?from=1`);
    expect(page.body.messages).toHaveLength(1);
    expect(page.body.messages[0]).toMatchObject({ seq: 1, role: 'assistant' });
    expect(page.body.messages[0].parts).toEqual([
      { type: 'step_start' },
      { type: 'reasoning', text: WEATHER_REPLY.reasoning },
      { type: 'tool_call', tool_call_id: WEATHER_REPLY.toolCallId, tool_name: 'weather', input: WEATHER_REPLY.input },
      {
        type: 'tool_result',
        tool_call_id: WEATHER_REPLY.toolCallId,
        tool_name: 'weather',
        output: WEATHER_REPLY.output,
      },
      { type: 'text', text: WEATHER_REPLY.textDeltas.join('') },
    ]);

    const run = await projectedRun(runId, (r) => r.status === 'committed');
    expect(run).toMatchObject({ conversation_id: id, actor: 'agent:writer', last_run_seq: 9, message_seqs: [1] });
    const events = await call<{ events: Body[] }>('acme', 'GET', `/v1/runs/${runId}/events`);
    expect(events.body.events.map((e) => [e.run_seq, e.kind])).toEqual([
      [1, 'step-started'],
      [2, 'reasoning-delta'],
      [3, 'tool-input-delta'],
      [4, 'tool-call'],
      [5, 'text-delta'],
      [6, 'text-delta'],
      [7, 'text-delta'],
      [8, 'tool-result'],
      [9, 'step-finished'],
    ]);
  });

  it('fails the run on an error chunk (reason stream_error, its text) and appends nothing', async () => {
    const id = await conversation();
    const runId = await startRun(id);
    const res = await pipe(runId, failingAgentResponse('model overloaded'));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ run_id: runId, status: 'failed', reason: 'stream_error' });
    const run = await projectedRun(runId, (r) => r.status === 'failed');
    expect(run).toMatchObject({ reason: 'stream_error', error_message: 'model overloaded', message_seqs: [] });
    const events = await call<{ events: Body[] }>('acme', 'GET', `/v1/runs/${runId}/events`);
    expect(events.body.events).toEqual([{ run_seq: 1, kind: 'text-delta', delta: 'partial' }]);
    expect((await call('acme', 'GET', `/v1/conversations/${id}`)).body.version).toBe(0);
  });

  it('refuses a body that is not text/event-stream before reading it, and the run streams on', async () => {
    const runId = await startRun(await conversation());
    const stream = 'data: {"type":"start"}\n\ndata: [DONE]\n\n';
    const res = await pipe(runId, new Response(stream, { headers: { 'content-type': 'text/plain' } }));
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('invalid_ui_message_stream');
    expect((await projectedRun(runId, () => true)).status).toBe('streaming');
  });

  it('fails the run with 400 invalid_ui_message_stream naming a chunk that breaks its rules', async () => {
    const runId = await startRun(await conversation());
    const stream = 'data: {"type":"text-delta","id":"t","delta":"ok"}\n\ndata: {"type":"text-delta","id":"t"}\n\n';
    const res = await pipe(runId, new Response(stream, { headers: { 'content-type': 'text/event-stream' } }));
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: 'invalid_ui_message_stream' });
    expect(res.body.message).toContain('chunk 2 (text-delta): delta');
    const run = await projectedRun(runId, (r) => r.status === 'failed');
    expect(run).toMatchObject({ reason: 'stream_error', last_run_seq: 1 });
  });
});

describe('read routes', () => {
  it("page a run's events exactly: after and limit, next_after until the finished run's last event", async () => {
    const runId = await startRun(await conversation());
    await appendEvents(runId, 100, 1);
    await appendEvents(runId, 100, 2);
    await appendEvents(runId, 50, 3);
    expect((await call('acme', 'POST', `/v1/runs/${runId}/fail`, { message: 'stop' })).status).toBe(200);
    await projectedRun(runId, (r) => r.status === 'failed');
    const seen: number[] = [];
    const nextAfters: (number | null)[] = [];
    let after: number | null = 0;
    while (after !== null) {
      const page: ApiResponse<EventPage> = await call(
        'acme',
        'GET',
        `/v1/runs/${runId}/events?after=${after}&limit=100`,
      );
      expect(page.status).toBe(200);
      seen.push(...page.body.events.map((e) => e.run_seq));
      nextAfters.push(page.body.next_after);
      after = page.body.next_after;
    }
    expect(seen).toEqual(Array.from({ length: 250 }, (_, i) => i + 1));
    expect(nextAfters).toEqual([100, 200, null]);
    const middle = await call<EventPage>('acme', 'GET', `/v1/runs/${runId}/events?after=17&limit=3`);
    expect(middle.body.events.map((e) => e.run_seq)).toEqual([18, 19, 20]);
  });

  it("page a conversation's runs oldest first with an opaque cursor, by status too", async () => {
    const id = await conversation();
    const runIds: string[] = [];
    for (let i = 0; i < 5; i++) {
      runIds.push(await startRun(id));
    }
    expect((await call('acme', 'POST', `/v1/runs/${runIds[1]}/cancel`)).status).toBe(200);
    await projectedRun(runIds[1], (r) => r.status === 'cancelled');
    await Promise.all(runIds.map((runId) => projectedRun(runId, () => true)));

    const listed: string[] = [];
    const pageSizes: number[] = [];
    let cursor: string | null = '';
    while (cursor !== null) {
      const query: string = cursor === '' ? '?limit=2' : `?limit=2&cursor=${cursor}`;
      const page: ApiResponse<RunPage> = await call('acme', 'GET', `/v1/conversations/${id}/runs${query}`);
      expect(page.status).toBe(200);
      listed.push(...page.body.runs.map((r) => r.run_id));
      pageSizes.push(page.body.runs.length);
      cursor = page.body.next_cursor;
    }
    expect(listed).toEqual(runIds);
    expect(pageSizes).toEqual([2, 2, 1]);
    const cancelled = await call<RunPage>('acme', 'GET', `/v1/conversations/${id}/runs?status=cancelled`);
    expect(cancelled.body.runs.map((r) => r.run_id)).toEqual([runIds[1]]);
  });

  it.each([
    ['?cursor=bm90LWEtY3Vyc29y', 'invalid_cursor', 'cursor'],
    ['?limit=101', 'invalid_query', 'limit'],
    ['?status=running', 'invalid_query', 'status'],
  ])("refuses %s on a conversation's runs with 400 %s naming the field", async (query, code, field) => {
    const res = await call('acme', 'GET', `/v1/conversations/${await conversation()}/runs${query}`);
    expect(res.status).toBe(400);
    expect(res.body.error).toBe(code);
    expect(res.body.message).toContain(field);
  });

  it('refuses a page of over 1000 events with 400 invalid_query naming limit', async () => {
    const runId = await startRun(await conversation());
    const res = await call('acme', 'GET', `/v1/runs/${runId}/events?limit=1001`);
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: 'invalid_query' });
    expect(res.body.message).toContain('limit');
  });

  it('answer 404 to another tenant on every read route, and 403 to a token pinned to another conversation', async () => {
    const id = await conversation();
    const runId = await startRun(id);
    await projectedRun(runId, () => true);
    for (const path of [`/v1/runs/${runId}`, `/v1/runs/${runId}/events`]) {
      const res = await call('globex', 'GET', path);
      expect({ path, status: res.status, error: res.body.error }).toEqual({
        path,
        status: 404,
        error: 'run_not_found',
      });
    }
    const list = await call('globex', 'GET', `/v1/conversations/${id}/runs`);
    expect({ status: list.status, error: list.body.error }).toEqual({ status: 404, error: 'conversation_not_found' });

    const pinned = { headers: await bearer('acme', { conversation_id: await conversation() }) };
    for (const path of [`/v1/runs/${runId}`, `/v1/runs/${runId}/events`]) {
      const res = await api(stack.baseUrl, 'GET', path, undefined, undefined, pinned);
      expect({ path, status: res.status, error: res.body.error }).toEqual({
        path,
        status: 403,
        error: 'forbidden_conversation',
      });
    }
  });
});

describe('the OpenAPI document', () => {
  it('describes the runs answers as the API gives them', async () => {
    const doc = await call('acme', 'GET', '/v1/openapi.json');
    const check = schemaChecker(doc.body);
    const id = await conversation();
    const started = await call('acme', 'POST', `/v1/conversations/${id}/runs`, {});
    check('StartedRun', started.body);
    const runId = started.body.run_id as string;
    check('CommittedRun', (await pipe(runId, weatherAgentResponse())).body);
    check('Run', await projectedRun(runId, (r) => r.status === 'committed'));
    check('RunEventPage', (await call('acme', 'GET', `/v1/runs/${runId}/events`)).body);
    check('RunPage', (await call('acme', 'GET', `/v1/conversations/${id}/runs`)).body);
    const other = await startRun(id);
    const appended = await call('acme', 'POST', `/v1/runs/${other}/events`, { events: [{ kind: 'step-started' }] });
    check('AppendedRunEvents', appended.body);
    check('EndedRun', (await call('acme', 'POST', `/v1/runs/${other}/cancel`)).body);
  });
});
