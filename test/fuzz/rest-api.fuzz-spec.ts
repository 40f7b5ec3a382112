import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { CommandStack } from '../support/command-stack';
import { lagDrained } from './support/consumer-lag';
import { FUZZ_RUNS, fuzzParameters } from './support/fuzz-settings';
import { cleanKey, cleanString, POISON_STRINGS } from './support/json-arbitraries';
import { messageArbitraries } from './support/message-arbitraries';
import { changeAt, fieldName, JsonPath, sitesOf, treeOf } from './support/poison-sites';
import { answerProblem, documentedCodes, RawRequest, RawResponse, send } from './support/raw-http';
import { JsonTree, Members, members, NON_FINITE_LITERALS, nestedArrays, RawText, renderJson } from './support/raw-json';
import {
  addressCalls,
  anyCalls,
  bodyCalls,
  CallTarget,
  Endpoint,
  FUZZ_CORS_ORIGIN,
  FuzzCall,
  headerCalls,
  requestOf,
  RUN_ENDPOINTS,
} from './support/request-arbitraries';

/**
 * Arbitrary and hostile requests to every REST endpoint of docs/api.md (agents, deliveries, inboxes, runs,
 * sessions, listings, forks, the admin overview, the console's files and CORS preflights too): any Unicode (NUL, lone surrogates, emoji, bidi marks), raw JSON no serializer
 * writes (duplicate keys, `__proto__`, 1e400, 5,000 levels of nesting, cut-off
 * bodies, bytes that are not UTF-8), junk ids, query strings and headers. The
 * API answers each with a 2xx or a documented 4xx `{error, message}` carrying an
 * x-request-id, a refused request changes nothing, and what it accepts never
 * stalls the projection.
 */

const PARTITIONS = 4;
// Reads only need to answer here, not to see the writes: a short wait keeps a stalled projection from slowing the run.
const stack = new CommandStack('fuzz-rest', 1, { READ_WAIT_MS: '500', CORS_ORIGINS: FUZZ_CORS_ORIGIN });
const codes = documentedCodes();
/** A run is a few requests (well under 0.1 s); room for `npm run test:fuzz -- --runs N` and for shrinking. */
const RUN_TIMEOUT_MS = 120_000 + FUZZ_RUNS * 500;

beforeAll(() => stack.start(), 120_000);
afterAll(() => stack.stop());

const JSON_HEADERS = { 'content-type': 'application/json' };

/** A request, shortened for a failure message. */
function describeRequest(req: RawRequest): string {
  const body = req.body === undefined ? '' : Buffer.from(req.body).toString('utf8');
  const cut = (text: string) => (text.length > 400 ? `${text.slice(0, 400)}… (${text.length} chars)` : text);
  return `${req.method} ${cut(req.path)} ${JSON.stringify(req.headers)} ${cut(body)}`;
}

/** Sends and checks what every answer must be: a 2xx, or a documented 4xx `{error, message}`. */
async function sendChecked(req: RawRequest): Promise<RawResponse> {
  const res = await send(stack.baseUrl, req);
  const request = describeRequest(req);
  expect({ request, problem: answerProblem(res, codes) }).toEqual({ request, problem: null });
  return res;
}

async function conversation(id: string): Promise<Record<string, unknown>> {
  const res = await send(stack.baseUrl, { method: 'GET', path: `/v1/conversations/${id}`, headers: {} });
  expect(res.status).toBe(200);
  return JSON.parse(res.text) as Record<string, unknown>;
}

async function createConversation(): Promise<string> {
  const id = `fuzz-rest-${randomUUID()}`;
  const res = await sendChecked({ method: 'PUT', path: `/v1/conversations/${id}`, headers: JSON_HEADERS, body: '{}' });
  expect(res.status).toBe(200);
  return id;
}

/** A new conversation with a run started in it, for the calls of one sequence. */
async function createTarget(): Promise<CallTarget> {
  const conversationId = await createConversation();
  const res = await sendChecked({
    method: 'POST',
    path: `/v1/conversations/${conversationId}/runs`,
    headers: JSON_HEADERS,
    body: '{}',
  });
  expect(res.status).toBe(201);
  return { conversationId, runId: (JSON.parse(res.text) as { run_id: string }).run_id };
}

/** Session routes that change the conversation's header (title, metadata, archived), never its log. */
const HEADER_ENDPOINTS: readonly Endpoint[] = ['session', 'session-archive', 'session-unarchive'];

/** A run's write that succeeded may have committed it: one message appended, so the record moved on. */
const mayCommit = (call: FuzzCall, res: RawResponse) => RUN_ENDPOINTS.includes(call.endpoint) && res.status < 400;

/**
 * Sends the calls in turn against a new conversation (and a run in it): every answer is a 2xx or a
 * documented 4xx, and after each call that could change the conversation, its
 * record changed only as a success says (a 4xx leaves it exactly as it was).
 */
async function expectAnswered(calls: FuzzCall[]): Promise<void> {
  const target = await createTarget();
  const id = target.conversationId;
  let before = await conversation(id);
  for (const call of calls) {
    const req = requestOf(call, target);
    const res = await sendChecked(req);
    if (call.id.kind !== 'run' || call.method === 'GET') {
      continue;
    }
    const after = await conversation(id);
    const request = describeRequest(req);
    if (mayCommit(call, res)) {
      const grew = (after.version as number) - (before.version as number);
      expect({ request, grew: grew === 0 || grew === 1 }).toEqual({ request, grew: true });
    } else if (res.status >= 400 || call.method === 'OPTIONS') {
      expect({ request, after }).toEqual({ request, after: before });
    } else if (call.endpoint === 'messages') {
      const appended = JSON.parse(res.text) as { version: number; deduped: boolean };
      expect({ request, version: after.version }).toEqual({
        request,
        version: (before.version as number) + (appended.deduped ? 0 : 1),
      });
      expect(appended.version).toBe(after.version);
    } else if (call.endpoint === 'session-append') {
      const appended = JSON.parse(res.text) as { last_seq: number; deduped: boolean };
      expect({ request, version: after.version }).toEqual({
        request,
        version: (before.version as number) + (appended.deduped ? 0 : 1),
      });
      expect(appended.last_seq).toBe(after.version);
    } else if (HEADER_ENDPOINTS.includes(call.endpoint)) {
      expect({ request, version: after.version, tombstoned: after.tombstoned }).toEqual({
        request,
        version: before.version,
        tombstoned: before.tombstoned,
      });
    } else if (call.method === 'DELETE') {
      expect({ request, after }).toEqual({
        request,
        after: { ...before, tombstoned: true, updated_at: after.updated_at },
      });
    } else {
      expect({ request, after }).toEqual({ request, after: before });
    }
    before = after;
  }
}

describe('REST API under arbitrary and hostile input', () => {
  it.each<[string, fc.Arbitrary<FuzzCall>]>([
    [
      'hostile bodies (any JSON, duplicate keys, __proto__, 1e400, 5,000-deep nesting, cut-off text, bytes that are not UTF-8)',
      bodyCalls,
    ],
    ['junk, over-long and unknown ids and query strings', addressCalls],
    ['any content type, content encoding and request id', headerCalls],
  ])(
    'answers %s with a 2xx or a documented 4xx, and a refused request leaves the conversation as it was',
    async (_name, calls) => {
      await fc.assert(
        fc.asyncProperty(fc.array(calls, { minLength: 1, maxLength: 8 }), expectAnswered),
        fuzzParameters(),
      );
    },
    RUN_TIMEOUT_MS,
  );

  it(
    'puts an x-request-id on every answer, refusals included',
    async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(anyCalls, { minLength: 1, maxLength: 8 }), async (calls) => {
          const target = await createTarget();
          for (const call of calls) {
            const req = requestOf(call, target);
            const res = await send(stack.baseUrl, req);
            const request = describeRequest(req);
            expect({ request, status: res.status, requestId: res.headers.get('x-request-id') !== null }).toEqual({
              request,
              status: res.status,
              requestId: true,
            });
          }
        }),
        fuzzParameters(),
      );
    },
    RUN_TIMEOUT_MS,
  );
});

describe('REST API: what no store can keep is refused with a 400 that names the field', () => {
  const { message, metadata } = messageArbitraries(cleanString, cleanKey);

  /** Poison to put at a site: a string in place of a string, or a member added to an object. */
  const poison = fc.oneof(
    fc.constantFrom(...POISON_STRINGS).map((text) => ({ kind: 'string' as const, text })),
    fc.constantFrom(...POISON_STRINGS).map((key) => ({ kind: 'key' as const, key })),
    fc
      .constantFrom(...NON_FINITE_LITERALS, ...[100, 5000].map((depth) => nestedArrays(depth).text))
      .map((text) => ({ kind: 'member' as const, text })),
  );
  type Poison = typeof poison extends fc.Arbitrary<infer P> ? P : never;

  /**
   * The body with the poison at the `pick`-th site of the stored content (under
   * `storedUnder`), and the field the answer must name.
   */
  function poisoned(body: Record<string, unknown>, storedUnder: JsonPath, pick: number, p: Poison) {
    const sites = sitesOf(body)
      .filter((s) => storedUnder.every((step, i) => s.path[i] === step))
      .filter((s) => s.kind === (p.kind === 'string' ? 'string' : 'object'));
    if (sites.length === 0) {
      return null;
    }
    const { path } = sites[pick % sites.length];
    const change = (node: JsonTree): JsonTree => {
      if (p.kind === 'string') {
        return p.text;
      }
      const added: [string, JsonTree] = p.kind === 'key' ? [p.key, 'x'] : ['fuzz_injected', new RawText(p.text)];
      return new Members([...(node as Members).members, added]);
    };
    const field = p.kind === 'member' ? [...path, 'fuzz_injected'] : path;
    return { text: renderJson(changeAt(treeOf(body), path, change)), field: fieldName(field) };
  }

  /** Stored content of a message: parts and metadata keep every field as sent (unknown message fields are dropped). */
  const storedScope = fc.constantFrom<JsonPath>(['message', 'role'], ['message', 'parts'], ['message', 'metadata']);

  it(
    'in the role, parts and metadata of an appended message (code by field), and the version stays',
    async () => {
      const id = await createConversation();
      await fc.assert(
        fc.asyncProperty(message, storedScope, fc.nat(), poison, async (m, scope, pick, p) => {
          const target = poisoned({ message: m }, scope, pick, p);
          fc.pre(target !== null);
          const before = await conversation(id);
          const res = await sendChecked({
            method: 'POST',
            path: `/v1/conversations/${id}/messages`,
            headers: JSON_HEADERS,
            body: target.text,
          });
          const body = JSON.parse(res.text) as { error?: string; message?: string };
          const code = target.field.startsWith('message.metadata') ? 'invalid_metadata' : 'invalid_message';
          expect({ status: res.status, error: body.error, namesField: body.message?.includes(target.field) }).toEqual({
            status: 400,
            error: code,
            namesField: true,
          });
          expect(await conversation(id)).toEqual(before);
        }),
        fuzzParameters(),
      );
    },
    RUN_TIMEOUT_MS,
  );

  it(
    'in the metadata of a created conversation (invalid_metadata)',
    async () => {
      await fc.assert(
        fc.asyncProperty(metadata, fc.nat(), poison, async (md, pick, p) => {
          const target = poisoned({ metadata: md }, ['metadata'], pick, p);
          fc.pre(target !== null);
          const id = `fuzz-rest-${randomUUID()}`;
          const res = await sendChecked({
            method: 'PUT',
            path: `/v1/conversations/${id}`,
            headers: JSON_HEADERS,
            body: target.text,
          });
          const body = JSON.parse(res.text) as { error?: string; message?: string };
          expect({ status: res.status, error: body.error, namesField: body.message?.includes(target.field) }).toEqual({
            status: 400,
            error: 'invalid_metadata',
            namesField: true,
          });
          const after = await send(stack.baseUrl, { method: 'GET', path: `/v1/conversations/${id}`, headers: {} });
          expect(after.status).toBe(404);
        }),
        fuzzParameters(),
      );
    },
    RUN_TIMEOUT_MS,
  );

  /** `{"message": {"role": "user", "parts": [{"type": "text", "text": "x"}], ...fields}}` with `fields` replacing or adding. */
  const body = (fields: Record<string, JsonTree>) =>
    members({ message: members({ role: 'user', parts: [members({ type: 'text', text: 'x' })], ...fields }) });
  const textPart = (text: string) => ({ parts: [members({ type: 'text', text })] });

  it.each<[string, string, string, JsonTree]>([
    ['a NUL role', 'invalid_message', 'message.role', body({ role: '\u0000' })],
    ['a NUL in a text part', 'invalid_message', 'message.parts.0.text', body(textPart('a\u0000b'))],
    ['a lone high surrogate', 'invalid_message', 'message.parts.0.text', body(textPart('\ud800'))],
    ['a lone low surrogate', 'invalid_message', 'message.parts.0.text', body(textPart('\udfff'))],
    ['a NUL metadata key', 'invalid_metadata', 'message.metadata', body({ metadata: members({ '\u0000': 1 }) })],
    [
      'metadata 1e400',
      'invalid_metadata',
      'message.metadata.n',
      body({ metadata: members({ n: new RawText('1e400') }) }),
    ],
    [
      'metadata 5,000 arrays deep',
      'invalid_metadata',
      'message.metadata.k',
      body({ metadata: members({ k: nestedArrays(5000) }) }),
    ],
    ['a body 5,000 arrays deep', 'invalid_message', '', nestedArrays(5000)],
  ])(
    '%s, an input the fuzzer once found, is refused with 400 %s naming the field',
    async (_name, code, field, tree) => {
      const id = await createConversation();
      const res = await sendChecked({
        method: 'POST',
        path: `/v1/conversations/${id}/messages`,
        headers: JSON_HEADERS,
        body: renderJson(tree),
      });
      const answer = JSON.parse(res.text) as { error?: string; message?: string };
      expect({ status: res.status, error: answer.error, namesField: answer.message?.includes(field) }).toEqual({
        status: 400,
        error: code,
        namesField: true,
      });
      expect((await conversation(id)).version).toBe(0);
    },
  );
});

describe('after the fuzzing', () => {
  it('the command and the projector are still ready', async () => {
    expect((await fetch(`${stack.baseUrl}/health/ready`)).status).toBe(200);
    expect((await fetch(`${stack.projector.baseUrl}/health/ready`)).status).toBe(200);
  });

  it('everything accepted was projected: the projector reached the end of every partition, lag 0', async () => {
    await lagDrained({
      service: stack.projector,
      group: stack.env.PROJECTOR_GROUP_ID,
      topic: stack.env.KAFKA_TOPIC,
      partitions: PARTITIONS,
    });
  }, 60_000);
});
