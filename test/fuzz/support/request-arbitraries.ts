import fc from 'fast-check';
import { cleanString, PROTOTYPE_KEYS, wildString } from './json-arbitraries';
import { percentEncodeAll, RawRequest } from './raw-http';
import {
  HUGE_LITERALS,
  JsonTree,
  Members,
  nestedArrays,
  nestedObjects,
  NON_FINITE_LITERALS,
  RawText,
  renderJson,
} from './raw-json';

/** Numbers and near-numbers: fine, negative, fractional, beyond a double, as strings. */
const numberish: fc.Arbitrary<JsonTree> = fc.oneof(
  fc.nat({ max: 20 }),
  fc.integer(),
  fc.double(),
  fc.constantFrom(...NON_FINITE_LITERALS, ...HUGE_LITERALS).map((text) => new RawText(text)),
  fc.constantFrom('5', '', '1e400'),
  fc.constant(null),
);

/** Nesting just beyond the documented limit and far beyond it. */
const deepNesting: fc.Arbitrary<JsonTree> = fc
  .tuple(fc.constantFrom(33, 65, 100, 5000), fc.boolean())
  .map(([depth, arrays]) => (arrays ? nestedArrays(depth) : nestedObjects(depth)));

/** Keys that collide (duplicates), name prototype members, or are arbitrary UTF-16. */
const wildKey: fc.Arbitrary<string> = fc.oneof(
  wildString,
  fc.constantFrom('a', 'role', 'type', 'text', 'parts', 'metadata', 'message', ...PROTOTYPE_KEYS),
);

/**
 * JSON text values whose strings come from `string` and keys from `key`; one
 * leaf in `1 + tameWeight` is hostile (a non-finite literal or a deep nesting).
 * Objects may repeat keys.
 */
function treeOf(string: fc.Arbitrary<string>, key: fc.Arbitrary<string>, tameWeight: number): fc.Arbitrary<JsonTree> {
  const leaf = fc.oneof(
    { arbitrary: fc.oneof(fc.constant(null), fc.boolean(), fc.integer(), fc.double(), string), weight: tameWeight },
    { arbitrary: fc.oneof(numberish, deepNesting), weight: 1 },
  );
  return fc.letrec<{ tree: JsonTree }>((tie) => ({
    tree: fc.oneof(
      { depthSize: 'small', maxDepth: 3, depthIdentifier: 'tree' },
      leaf,
      fc.array(tie('tree'), { maxLength: 3 }),
      fc.array(fc.tuple(key, tie('tree')), { maxLength: 4 }).map((entries) => new Members(entries)),
    ),
  })).tree;
}

/** Anything: every leaf may be hostile. */
const wildTree = treeOf(wildString, wildKey, 2);

/**
 * Mostly storable strings and keys, so that a single hostile one is not hidden
 * behind another the API refuses first.
 */
const mildString = fc.oneof({ arbitrary: cleanString, weight: 6 }, { arbitrary: wildString, weight: 1 });
const mildKey = fc.oneof(
  { arbitrary: fc.string({ minLength: 1, maxLength: 8 }), weight: 6 },
  { arbitrary: wildKey, weight: 1 },
);
const mildTree = treeOf(mildString, mildKey, 12);

/** A string, or now and then any other JSON value where a string belongs. */
const stringish: fc.Arbitrary<JsonTree> = fc.oneof(
  { arbitrary: mildString, weight: 8 },
  { arbitrary: wildTree, weight: 1 },
);

/** Members: the given ones, then now and then an extra one whose key may repeat them. */
function membersWith(fields: fc.Arbitrary<(readonly [string, JsonTree] | null)[]>): fc.Arbitrary<Members> {
  return fc
    .tuple(fields, fc.array(fc.tuple(wildKey, mildTree), { maxLength: 1 }))
    .map(([own, extra]) => new Members([...own.filter((m): m is readonly [string, JsonTree] => m !== null), ...extra]));
}

const maybe = (key: string, value: fc.Arbitrary<JsonTree>) =>
  fc.option(
    value.map((v) => [key, v] as const),
    { nil: null },
  );

const KNOWN_TYPES = ['text', 'reasoning', 'tool_call', 'tool_result', 'file', 'data'];

const partTree: fc.Arbitrary<JsonTree> = fc.oneof(
  { arbitrary: wildTree, weight: 1 },
  {
    arbitrary: membersWith(
      fc.tuple(
        maybe(
          'type',
          fc.oneof(
            { arbitrary: fc.constantFrom(...KNOWN_TYPES), weight: 6 },
            { arbitrary: fc.constantFrom(...PROTOTYPE_KEYS), weight: 1 },
            { arbitrary: stringish, weight: 2 },
          ),
        ),
        maybe('text', stringish),
        maybe('name', stringish),
        maybe('url', stringish),
        maybe('data', mildTree),
      ),
    ),
    weight: 8,
  },
);

/** A message that is nearly valid, so that validation looks at every field's content and not only the shape. */
const messageTree: fc.Arbitrary<JsonTree> = fc.oneof(
  { arbitrary: wildTree, weight: 1 },
  {
    arbitrary: membersWith(
      fc.tuple(
        maybe('role', stringish),
        maybe('parts', fc.oneof(fc.array(partTree, { minLength: 1, maxLength: 3 }), wildTree)),
        maybe('metadata', mildTree),
        maybe('token_count', numberish),
      ),
    ),
    weight: 8,
  },
);

const appendBodyTree: fc.Arbitrary<JsonTree> = fc.oneof(
  { arbitrary: wildTree, weight: 1 },
  {
    arbitrary: membersWith(
      fc.tuple(
        maybe('message', messageTree),
        maybe('if_version', numberish),
        maybe('producer_id', fc.oneof(fc.constantFrom('worker-1', 'p:1'), stringish)),
        maybe('producer_seq', numberish),
      ),
    ),
    weight: 8,
  },
);

/** A Starcite event append: the producer pair mostly valid, so the event's own fields are what is looked at. */
const sessionAppendTree: fc.Arbitrary<JsonTree> = fc.oneof(
  { arbitrary: wildTree, weight: 1 },
  {
    arbitrary: membersWith(
      fc.tuple(
        maybe(
          'type',
          fc.oneof({ arbitrary: fc.constantFrom('content', 'tool'), weight: 4 }, { arbitrary: stringish, weight: 1 }),
        ),
        maybe('payload', mildTree),
        maybe('actor', fc.oneof(fc.constantFrom('agent:fuzz', 'user:other'), stringish)),
        maybe('source', stringish),
        maybe('metadata', mildTree),
        maybe('refs', mildTree),
        maybe('idempotency_key', stringish),
        maybe(
          'producer_id',
          fc.oneof({ arbitrary: fc.constant('fuzz-writer'), weight: 4 }, { arbitrary: stringish, weight: 1 }),
        ),
        maybe(
          'producer_seq',
          fc.oneof({ arbitrary: fc.integer({ min: 1, max: 4 }), weight: 4 }, { arbitrary: numberish, weight: 1 }),
        ),
        maybe('expected_seq', numberish),
      ),
    ),
    weight: 8,
  },
);

/** A session's header (create and PATCH) and a fork's request. */
const headerBodyTree: fc.Arbitrary<JsonTree> = fc.oneof(
  { arbitrary: wildTree, weight: 1 },
  {
    arbitrary: membersWith(
      fc.tuple(
        maybe('id', stringish),
        maybe('title', fc.oneof(stringish, fc.constant(null))),
        maybe('metadata', mildTree),
        maybe('expected_version', numberish),
        maybe('at_seq', numberish),
      ),
    ),
    weight: 8,
  },
);

const upsertBodyTree: fc.Arbitrary<JsonTree> = fc.oneof(
  { arbitrary: wildTree, weight: 1 },
  { arbitrary: membersWith(fc.tuple(maybe('metadata', mildTree))), weight: 4 },
);

/** Byte sequences that are not UTF-8 (a surrogate encoded, overlong, out of range, cut short) and a raw NUL byte. */
const BAD_BYTES = [
  [0xed, 0xa0, 0x80],
  [0xed, 0xbf, 0xbf],
  [0xc0, 0x80],
  [0xff],
  [0xf4, 0x90, 0x80, 0x80],
  [0xe2, 0x82],
  [0x00],
];

/** An otherwise valid append whose role, text or metadata key holds bytes that are not UTF-8. */
const badBytesAppend: fc.Arbitrary<Uint8Array> = fc
  .tuple(
    fc.constantFrom(...BAD_BYTES),
    fc.constantFrom(
      ['{"message":{"role":"', '","parts":[{"type":"text","text":"x"}]}}'],
      ['{"message":{"role":"user","parts":[{"type":"text","text":"a', 'b"}]}}'],
      ['{"message":{"role":"user","parts":[{"type":"text","text":"x"}],"metadata":{"', '":1}}}'],
    ),
  )
  .map(([bytes, [before, after]]) => Buffer.concat([Buffer.from(before), Buffer.from(bytes), Buffer.from(after)]));

type Body = string | Uint8Array | undefined;

/** A body as bytes: the JSON text of a tree, that text cut short anywhere (even inside a character), or junk. */
function hostileBody(tree: fc.Arbitrary<JsonTree>): fc.Arbitrary<Body> {
  return fc.oneof(
    { arbitrary: tree.map(renderJson), weight: 8 },
    {
      arbitrary: fc.tuple(tree, fc.double({ min: 0, max: 1, noNaN: true })).map(([t, cut]) => {
        const bytes = Buffer.from(renderJson(t), 'utf8');
        return bytes.subarray(0, Math.floor(bytes.length * cut));
      }),
      weight: 2,
    },
    { arbitrary: fc.uint8Array({ maxLength: 64 }), weight: 1 },
    { arbitrary: fc.constantFrom('', ' ', 'null', '"x"', '[]', '{', '{"message":', '\ufeff{}'), weight: 1 },
  );
}

/** Valid bodies with some non-ASCII text, for requests whose oddity is elsewhere (headers, path, query). */
const plainBodies = {
  append: fc.constantFrom('{"message":{"role":"user","parts":[{"type":"text","text":"héllo 👩‍👩‍👧 \u200f"}]}}'),
  upsert: fc.constantFrom('{"metadata":{"channel":"wéb"}}', '{}'),
  sessionAppend: fc.constantFrom(
    '{"type":"content","payload":{"text":"héllo 👩‍👩‍👧"},"producer_id":"fuzz-writer","producer_seq":1}',
  ),
  header: fc.constantFrom('{"title":"wéb \u200f","metadata":{"channel":"wéb"}}', '{"at_seq":1}', '{}'),
  other: fc.constant(undefined),
};

const hostileBodies = {
  append: fc.oneof({ arbitrary: hostileBody(appendBodyTree), weight: 12 }, { arbitrary: badBytesAppend, weight: 1 }),
  upsert: hostileBody(upsertBodyTree),
  sessionAppend: hostileBody(sessionAppendTree),
  header: hostileBody(headerBodyTree),
  other: fc.option(hostileBody(wildTree), { nil: undefined }),
};

/** Content types: mostly JSON (so the body is parsed), some a JSON parser must refuse or ignore, or none. */
const contentType = fc.oneof(
  { arbitrary: fc.constant('application/json'), weight: 6 },
  {
    arbitrary: fc.constantFrom(
      'application/json; charset=utf-8',
      'application/json; charset=UTF-8',
      'application/json; charset=latin1',
      'application/json; charset=utf-16',
      'application/json; charset="utf-8"',
      'application/json;;; charset',
      'application/vnd.api+json',
      'application/merge-patch+json',
      'text/plain',
      'text/event-stream',
      'text/event-stream; charset=utf-8',
      'text/json',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      '*/*',
      'garbage',
    ),
    weight: 4,
  },
  { arbitrary: fc.constant(null), weight: 2 },
);

const anyHeaders: fc.Arbitrary<Record<string, string>> = fc
  .record(
    {
      'content-type': contentType,
      'content-encoding': fc.constantFrom('gzip', 'deflate', 'br', 'identity', 'x-unknown'),
      'x-request-id': fc.string({ maxLength: 200 }),
      accept: fc.constantFrom('text/html', 'application/xml', '*/*'),
    },
    { requiredKeys: ['content-type'] },
  )
  .map((h) => Object.fromEntries(Object.entries(h).filter((e): e is [string, string] => typeof e[1] === 'string')));

const jsonHeaders = fc.constant({ 'content-type': 'application/json' });

/** The origin the fuzzed command allows (CORS_ORIGINS), others, and junk. */
export const FUZZ_CORS_ORIGIN = 'http://console.example';

/** A CORS preflight: an origin (allowed or not), the method and headers it asks for. */
const preflightHeaders: fc.Arbitrary<Record<string, string>> = fc.record({
  origin: fc.oneof(
    fc.constant(FUZZ_CORS_ORIGIN),
    fc.constantFrom('http://evil.example', 'null', ''),
    fc.stringMatching(/^[ -~]{0,60}$/),
  ),
  'access-control-request-method': fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'TRACE', ''),
  'access-control-request-headers': fc.constantFrom('authorization, content-type', 'x-request-id', 'x-unknown', ''),
});

/** Query parameters: the documented ones with bad and good values, repeated ones, bracketed ones, junk. */
const queryString: fc.Arbitrary<string> = fc.oneof(
  fc
    .array(
      fc.tuple(
        fc.oneof(
          fc.constantFrom('offset', 'limit', 'from', 'consistency', 'limit[]', 'from[x]', 'offset[0]', '__proto__', ''),
          fc.constantFrom('cursor', 'archived', 'metadata.k', 'metadata.', 'metadata.__proto__', 'metadata[k]'),
          wildString.map(percentEncodeAll),
        ),
        fc.oneof(
          fc.constantFrom('0', '1', '3', '100', '1000', '1001', '-1', '1.5', '0x10', ' 1', '1e400', '9007199254740993'),
          fc.constantFrom('12345678901234567890123', 'strong', 'eventual', 'STRONG', 'stale', '', '%', '%ZZ'),
          fc.constantFrom('true', 'false', 'all', 'TRUE', 'eyJ4IjoxfQ', 'not-a-cursor'),
          fc.nat().map(String),
          wildString.map(percentEncodeAll),
        ),
      ),
      { maxLength: 4 },
    )
    .map((pairs) => pairs.map(([k, v]) => `${k}=${v}`).join('&')),
  fc.constantFrom('&&&', '=', '==1', 'limit', '%ED%A0%80=1', 'limit=%00', 'from=%ED%A0%80'),
);

/** The `{id}` path segment, as sent: the run's conversation, or text outside the grammar, or an unknown id. */
export type IdChoice = { kind: 'run' } | { kind: 'text'; text: string };

const runId = fc.constant<IdChoice>({ kind: 'run' });

const anyId: fc.Arbitrary<IdChoice> = fc.oneof(
  { arbitrary: runId, weight: 3 },
  {
    arbitrary: fc
      .oneof(
        fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,140}$/),
        wildString.filter((s) => s.length > 0).map(percentEncodeAll),
        fc.constantFrom('%', '%ZZ', '%00', '%2F', '%2e%2e', '%C0%AF', '%ED%A0%80', '%F0%9F%98', '%FF', 'a%20b'),
        fc.constantFrom('-bad', '_x', '.x', 'a!b', 'a;b', "a'b", 'a'.repeat(129), 'a'.repeat(8000), 'é', '%E2%80%AE'),
      )
      .map((text): IdChoice => ({ kind: 'text', text })),
    weight: 2,
  },
);

export type Endpoint =
  | 'conversation'
  | 'messages'
  | 'tail'
  | 'openapi'
  | 'agents'
  | 'agent'
  | 'rotate-secret'
  | 'agent-deliveries'
  | 'delivery'
  | 'redeliver'
  | 'replies'
  | 'read'
  | 'inbox'
  | 'runs'
  | 'run'
  | 'run-events'
  | 'run-stream'
  | 'run-commit'
  | 'run-fail'
  | 'run-cancel'
  | 'sessions'
  | 'session'
  | 'session-append'
  | 'session-events'
  | 'session-archive'
  | 'session-unarchive'
  | 'conversations'
  | 'fork'
  | 'forks'
  | 'overview'
  | 'console'
  | 'console-config';

/** The endpoints whose `{run_id}` is the sequence's run (or, for a text id, that text). */
export const RUN_ENDPOINTS: readonly Endpoint[] = [
  'run',
  'run-events',
  'run-stream',
  'run-commit',
  'run-fail',
  'run-cancel',
];

/** One generated call; `requestOf(call, target)` is what is sent. */
export interface FuzzCall {
  method: string;
  endpoint: Endpoint;
  id: IdChoice;
  query: string;
  headers: Record<string, string>;
  body?: Body;
}

interface CallParts {
  id: fc.Arbitrary<IdChoice>;
  query: fc.Arbitrary<string>;
  headers: fc.Arbitrary<Record<string, string>>;
  bodies: {
    append: fc.Arbitrary<Body>;
    upsert: fc.Arbitrary<Body>;
    sessionAppend: fc.Arbitrary<Body>;
    header: fc.Arbitrary<Body>;
    other: fc.Arbitrary<Body>;
  };
}

/**
 * Calls to every endpoint of docs/api.md with its method, weighted toward those that take content; now and then a
 * wrong method; the console's files (docs/console.md) and CORS preflights too.
 */
function callsOf(parts: CallParts): fc.Arbitrary<FuzzCall> {
  const call = (method: string, endpoint: Endpoint, body: fc.Arbitrary<Body>, withQuery = false) =>
    fc
      .record({ id: parts.id, query: withQuery ? parts.query : fc.constant(''), headers: parts.headers, body })
      .map((c): FuzzCall => ({ method, endpoint, ...c }));
  const none = fc.constant(undefined);
  return fc.oneof(
    { arbitrary: call('POST', 'messages', parts.bodies.append), weight: 12 },
    { arbitrary: call('PUT', 'conversation', parts.bodies.upsert), weight: 4 },
    { arbitrary: call('GET', 'conversation', none, true), weight: 2 },
    { arbitrary: call('GET', 'messages', none, true), weight: 3 },
    { arbitrary: call('GET', 'tail', none, true), weight: 3 },
    { arbitrary: call('GET', 'openapi', none, true), weight: 1 },
    { arbitrary: call('DELETE', 'conversation', parts.bodies.other), weight: 1 },
    { arbitrary: call('POST', 'agents', parts.bodies.other), weight: 2 },
    { arbitrary: call('GET', 'agents', none, true), weight: 1 },
    { arbitrary: call('PATCH', 'agent', parts.bodies.other), weight: 1 },
    {
      arbitrary: fc
        .constantFrom<[string, Endpoint]>(
          ['GET', 'agent'],
          ['DELETE', 'agent'],
          ['POST', 'rotate-secret'],
          ['GET', 'delivery'],
          ['POST', 'redeliver'],
        )
        .chain(([method, endpoint]) => call(method, endpoint, none)),
      weight: 1,
    },
    { arbitrary: call('GET', 'agent-deliveries', none, true), weight: 1 },
    { arbitrary: call('POST', 'replies', parts.bodies.other), weight: 1 },
    { arbitrary: call('PUT', 'read', parts.bodies.other), weight: 1 },
    { arbitrary: call('GET', 'inbox', none, true), weight: 1 },
    { arbitrary: call('POST', 'runs', parts.bodies.other), weight: 1 },
    { arbitrary: call('GET', 'runs', none, true), weight: 1 },
    { arbitrary: call('GET', 'run', none, true), weight: 1 },
    { arbitrary: call('GET', 'run-events', none, true), weight: 1 },
    { arbitrary: call('POST', 'run-events', parts.bodies.other), weight: 2 },
    { arbitrary: call('POST', 'run-stream', parts.bodies.other), weight: 2 },
    {
      arbitrary: fc
        .constantFrom<[string, Endpoint]>(['POST', 'run-commit'], ['POST', 'run-fail'], ['POST', 'run-cancel'])
        .chain(([method, endpoint]) => call(method, endpoint, parts.bodies.other)),
      weight: 1,
    },
    { arbitrary: call('POST', 'session-append', parts.bodies.sessionAppend), weight: 4 },
    { arbitrary: call('POST', 'sessions', parts.bodies.header), weight: 2 },
    { arbitrary: call('PATCH', 'session', parts.bodies.header), weight: 2 },
    { arbitrary: call('POST', 'fork', parts.bodies.header), weight: 2 },
    {
      arbitrary: fc
        .constantFrom<[string, Endpoint]>(
          ['GET', 'sessions'],
          ['GET', 'session'],
          ['GET', 'session-events'],
          ['GET', 'conversations'],
          ['GET', 'forks'],
        )
        .chain(([method, endpoint]) => call(method, endpoint, none, true)),
      weight: 2,
    },
    {
      arbitrary: fc
        .constantFrom<[string, Endpoint]>(['POST', 'session-archive'], ['POST', 'session-unarchive'])
        .chain(([method, endpoint]) => call(method, endpoint, parts.bodies.other)),
      weight: 1,
    },
    { arbitrary: call('GET', 'overview', none, true), weight: 1 },
    { arbitrary: call('GET', 'console', none, true), weight: 1 },
    { arbitrary: call('GET', 'console-config', none, true), weight: 1 },
    {
      arbitrary: fc
        .record({
          endpoint: fc.constantFrom<Endpoint>('messages', 'conversation', 'runs', 'run-events', 'sessions', 'agents'),
          id: parts.id,
          headers: preflightHeaders,
        })
        .map((c): FuzzCall => ({ method: 'OPTIONS', query: '', ...c })),
      weight: 1,
    },
    {
      arbitrary: fc
        .constantFrom<[string, Endpoint]>(['PATCH', 'conversation'], ['PUT', 'messages'], ['POST', 'tail'])
        .chain(([method, endpoint]) => call(method, endpoint, parts.bodies.append)),
      weight: 1,
    },
  );
}

/** Hostile bodies (any JSON, raw JSON no serializer writes, cut-off text, bytes that are not UTF-8), sent as JSON. */
export const bodyCalls = callsOf({ id: runId, query: fc.constant(''), headers: jsonHeaders, bodies: hostileBodies });

/** Junk, over-long and unknown ids and query strings, with plain bodies. */
export const addressCalls = callsOf({ id: anyId, query: queryString, headers: jsonHeaders, bodies: plainBodies });

/** Content types, content encodings, request ids and accept headers, with plain bodies. */
export const headerCalls = callsOf({ id: runId, query: fc.constant(''), headers: anyHeaders, bodies: plainBodies });

/** All of it at once. */
export const anyCalls = callsOf({ id: anyId, query: queryString, headers: anyHeaders, bodies: hostileBodies });

/** What a sequence of calls targets: its conversation and a run started in it. */
export interface CallTarget {
  conversationId: string;
  runId: string;
}

export function requestOf(c: FuzzCall, target: CallTarget): RawRequest {
  const ownId = RUN_ENDPOINTS.includes(c.endpoint) ? target.runId : target.conversationId;
  const id = c.id.kind === 'run' ? ownId : c.id.text;
  const path = {
    conversation: `/v1/conversations/${id}`,
    messages: `/v1/conversations/${id}/messages`,
    tail: `/v1/conversations/${id}/tail`,
    openapi: '/v1/openapi.json',
    agents: '/v1/agents',
    agent: `/v1/agents/${id}`,
    'rotate-secret': `/v1/agents/${id}/rotate-secret`,
    'agent-deliveries': `/v1/agents/${id}/deliveries`,
    delivery: `/v1/deliveries/${id}`,
    redeliver: `/v1/deliveries/${id}/redeliver`,
    replies: `/v1/deliveries/${id}/replies`,
    read: `/v1/conversations/${id}/read`,
    inbox: `/v1/participants/${id}/inbox`,
    runs: `/v1/conversations/${id}/runs`,
    run: `/v1/runs/${id}`,
    'run-events': `/v1/runs/${id}/events`,
    'run-stream': `/v1/runs/${id}/stream`,
    'run-commit': `/v1/runs/${id}/commit`,
    'run-fail': `/v1/runs/${id}/fail`,
    'run-cancel': `/v1/runs/${id}/cancel`,
    sessions: '/v1/sessions',
    session: `/v1/sessions/${id}`,
    'session-append': `/v1/sessions/${id}/append`,
    'session-events': `/v1/sessions/${id}/events`,
    'session-archive': `/v1/sessions/${id}/archive`,
    'session-unarchive': `/v1/sessions/${id}/unarchive`,
    conversations: '/v1/conversations',
    fork: `/v1/conversations/${id}/fork`,
    forks: `/v1/conversations/${id}/forks`,
    overview: '/v1/admin/overview',
    console: `/console/${id}`,
    'console-config': '/console/config.json',
  }[c.endpoint];
  return {
    method: c.method,
    path: c.query === '' ? path : `${path}?${c.query}`,
    headers: c.headers,
    body: c.body,
  };
}
