import { isUtf8 } from 'node:buffer';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import WebSocket from 'ws';
import { Opcode, RawFrame } from '../../realtime/support/raw-websocket';

/**
 * What clients send to the realtime service's WebSockets (docs/api.md, "Streaming"),
 * and what the service must do with each message: the rules are the documented
 * ones, written out here so the suite does not take the service's word for them.
 */

/** The largest message a client may send (the ws server's maxPayload); anything bigger is closed with 1009. */
export const MAX_MESSAGE_BYTES = 64 * 1024;

/** The close codes docs/api.md's Streaming section sets in backticks. */
export function documentedCloseCodes(): Set<number> {
  const doc = readFileSync(join(__dirname, '..', '..', '..', 'docs', 'api.md'), 'utf8');
  const streaming = doc.slice(doc.indexOf('## Streaming'), doc.indexOf('## Health'));
  return new Set([...streaming.matchAll(/`(1\d{3}|4\d{3})`/g)].map((m) => Number(m[1])));
}

/** One message a client sends: text or binary bytes, in one frame or cut into fragments at byte offsets `cuts`. */
export interface WsMessage {
  binary: boolean;
  bytes: Buffer;
  cuts: number[];
}

/** Sends a message with ws, one frame per piece (fin on the last). */
export function sendMessage(ws: WebSocket, message: WsMessage): void {
  const bounds = [0, ...message.cuts, message.bytes.length];
  for (let i = 0; i + 1 < bounds.length; i += 1) {
    ws.send(message.bytes.subarray(bounds[i], bounds[i + 1]), {
      binary: message.binary,
      fin: i + 2 === bounds.length,
    });
  }
}

/** The close code ws itself answers a message with, before any protocol sees it; null when it passes. */
export function transportCloseCode(message: WsMessage): number | null {
  if (message.bytes.length > MAX_MESSAGE_BYTES) {
    return 1009;
  }
  if (!message.binary && !isUtf8(message.bytes)) {
    return 1007;
  }
  return null;
}

/** A message as a counterexample prints it: kind, size, fragments and the start of its bytes, not 100 KiB of them. */
function describeMessage(message: WsMessage): string {
  const start = message.bytes.subarray(0, 120);
  const shown =
    message.binary || !isUtf8(start) ? `0x${start.toString('hex')}` : JSON.stringify(start.toString('utf8'));
  const pieces = message.cuts.length > 0 ? ` in ${message.cuts.length + 1} fragments` : '';
  const more = message.bytes.length > start.length ? '...' : '';
  return `${message.binary ? 'binary' : 'text'}(${message.bytes.length} bytes${pieces}: ${shown}${more})`;
}

function describable(message: WsMessage): WsMessage {
  return Object.assign(message, { [fc.toStringMethod]: () => describeMessage(message) });
}

/** A text message in one frame. */
export function textOf(text: string): WsMessage {
  return describable({ binary: false, bytes: Buffer.from(text, 'utf8'), cuts: [] });
}

/** A message of these bytes, sometimes cut into fragments. */
function messageOf(bytes: fc.Arbitrary<Buffer>, binary: boolean): fc.Arbitrary<WsMessage> {
  const fractions = fc.oneof(
    { weight: 3, arbitrary: fc.constant<number[]>([]) },
    { weight: 1, arbitrary: fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 1, maxLength: 6 }) },
  );
  return fc.record({ bytes, fractions }).map(({ bytes: b, fractions: f }) => {
    const cuts = [...new Set(f.map((x) => Math.floor(x * b.length)))].filter((c) => c > 0 && c < b.length);
    return describable({ binary, bytes: b, cuts: cuts.sort((x, y) => x - y) });
  });
}

export const textMessage = (text: fc.Arbitrary<string>) =>
  messageOf(
    text.map((t) => Buffer.from(t, 'utf8')),
    false,
  );

export const binaryMessage = messageOf(
  fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)),
  true,
);

/** Text frames with bytes that are not UTF-8 somewhere (a lone continuation byte, an overlong form, a surrogate...). */
export const invalidUtf8Message = messageOf(
  fc
    .tuple(
      fc.string({ maxLength: 30 }),
      fc.constantFrom([0xff], [0x80], [0xc3, 0x28], [0xc0, 0xaf], [0xe2, 0x28, 0xa1], [0xed, 0xa0, 0x80], [0xf8, 0x88]),
      fc.string({ maxLength: 30 }),
    )
    .map(([before, bad, after]) => Buffer.concat([Buffer.from(before), Buffer.from(bad), Buffer.from(after)])),
  false,
);

/** Text or binary messages around and well over the 64 KiB limit. */
export const oversizeMessage = fc
  .tuple(fc.integer({ min: MAX_MESSAGE_BYTES + 1, max: 110 * 1024 }), fc.boolean())
  .chain(([size, binary]) => messageOf(fc.constant(Buffer.alloc(size, 'x')), binary));

/** The conversation ids runs use: the watched one, a few others, and ids `flood-{n}` for floods of joins. */
export interface FuzzIds {
  watched: string;
  others: string[];
}

const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]*$/;

/** docs/api.md's limit on a conversation id: 1-128 characters of [A-Za-z0-9._:-], not starting with . _ : - */
export function isValidConversationId(id: string): boolean {
  return id.length <= 128 && ID_PATTERN.test(id);
}

/** Ids a conversation may not have. (Not `.` or `..`: URL parsing removes those path segments before routing.) */
export const invalidConversationId = fc.oneof(
  fc.constantFrom('-dash', '_under', ':colon', 'has space', 'slash/inside', 'x'.repeat(129), 'é', '%', 'a?b', 'a#b'),
  fc
    .string({ unit: 'binary', minLength: 1, maxLength: 20 })
    .filter((s) => !isValidConversationId(s) && !/^\.+$/.test(s)),
);

/** A cursor as docs/api.md takes it: an integer >= 0, or a string of digits; absent or '' means live only. */
export function isValidCursor(value: unknown): boolean {
  if (value === undefined || value === '') {
    return true;
  }
  if (typeof value === 'number') {
    return Number.isSafeInteger(value) && value >= 0;
  }
  return typeof value === 'string' && /^\d{1,16}$/.test(value.trim()) && Number.isSafeInteger(Number(value.trim()));
}

/**
 * Run cursors as docs/api.md takes them: absent, or an object of run ids
 * (`run_[A-Za-z0-9_-]{1,124}`) to integers >= 0 (or strings of digits), at most 100.
 */
export function isValidRunCursors(value: unknown): boolean {
  if (value === undefined || value === null || value === '') {
    return true;
  }
  if (typeof value === 'string') {
    return false;
  }
  if (!isObject(value)) {
    return false;
  }
  const entries = Object.entries(value);
  return (
    entries.length <= 100 &&
    entries.every(
      ([runId, runSeq]) =>
        /^run_[A-Za-z0-9_-]{1,124}$/.test(runId) &&
        ((typeof runSeq === 'number' && Number.isSafeInteger(runSeq) && runSeq >= 0) ||
          (typeof runSeq === 'string' && /^\d{1,15}$/.test(runSeq))),
    )
  );
}

const anyJson = fc.jsonValue({ maxDepth: 2 });

/** Run cursors of every shape: valid run ids and run_seqs, bad ids, bad run_seqs, other JSON. */
const runCursorsValue = fc.oneof(
  fc.dictionary(fc.stringMatching(/^run_[A-Za-z0-9_-]{1,8}$/), fc.oneof(fc.nat(), fc.nat().map(String)), {
    maxKeys: 3,
  }),
  fc.dictionary(fc.string({ maxLength: 6 }), fc.oneof(fc.integer(), fc.double(), anyJson), { maxKeys: 3 }),
  anyJson,
);

/** Cursors of every JSON type, valid or not. */
const cursorValue = fc.oneof(
  fc.nat(),
  fc.nat().map(String),
  fc.constantFrom('', ' 7 ', '-3', '1e3', '1.5', 'abc', '99999999999999999', null, true),
  fc.integer({ max: -1 }),
  fc.double(),
  anyJson,
);

/** The refs the Phoenix v2 format takes (null, strings, numbers), and then some that it does not. */
const phoenixRef = fc.oneof(fc.constant(null), fc.string({ maxLength: 6 }), fc.integer(), fc.double());
const notARef = fc.oneof(fc.boolean(), fc.array(fc.nat(), { maxLength: 2 }), fc.object({ maxDepth: 1 }));

function topicOf(ids: FuzzIds): fc.Arbitrary<string> {
  return fc.oneof(
    fc.constant('phoenix'),
    fc.constantFrom(ids.watched, ...ids.others).map((id) => `conversation:${id}`),
    invalidConversationId.map((id) => `conversation:${id}`),
    fc.string({ maxLength: 20 }),
    fc.string({ unit: 'binary', maxLength: 20 }),
  );
}

const phoenixEvent = fc.oneof(
  fc.constantFrom('phx_join', 'phx_leave', 'heartbeat', 'phx_reply', 'phx_close', 'new_msg', 'message'),
  fc.string({ maxLength: 12 }),
);

const joinParams = fc.oneof(
  fc.record({ cursor: cursorValue, run_cursors: runCursorsValue }, { requiredKeys: [] }),
  anyJson,
);

/**
 * Text that may or may not be a Phoenix v2 frame `[join_ref, ref, topic, event, payload]`:
 * well-formed frames of any event, wrong types in every position, wrong arity, not JSON at all.
 */
export function phoenixText(ids: FuzzIds): fc.Arbitrary<string> {
  const topic = topicOf(ids);
  const frame = (...parts: fc.Arbitrary<unknown>[]) => fc.tuple(...parts).map((f) => JSON.stringify(f));
  const wellFormed = fc.oneof(
    frame(phoenixRef, phoenixRef, topic, fc.constant('phx_join'), joinParams),
    frame(fc.constant(null), phoenixRef, fc.constant('phoenix'), fc.constant('heartbeat'), anyJson),
    frame(phoenixRef, phoenixRef, topic, fc.constant('phx_leave'), anyJson),
    frame(phoenixRef, phoenixRef, topic, phoenixEvent, anyJson),
  );
  const wrongTypes = frame(
    fc.oneof(phoenixRef, notARef),
    fc.oneof(phoenixRef, notARef),
    fc.oneof(topic, anyJson),
    fc.oneof(phoenixEvent, anyJson),
    anyJson,
  );
  const wrongArity = fc
    .array(fc.oneof(phoenixRef, topic, phoenixEvent, anyJson), { maxLength: 8 })
    .filter((a) => a.length !== 5)
    .map((f) => JSON.stringify(f));
  return fc.oneof(
    { weight: 12, arbitrary: wellFormed },
    { weight: 1, arbitrary: wrongTypes },
    { weight: 1, arbitrary: wrongArity },
    { weight: 1, arbitrary: anyJson.map((v) => JSON.stringify(v)) },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 60 }) },
  );
}

/** A channel used as a client would: joined (maybe with a cursor), pushed to, maybe left. */
export function channelSession(ids: FuzzIds): fc.Arbitrary<string[]> {
  const push = fc.tuple(phoenixRef, phoenixEvent, anyJson);
  return fc
    .tuple(
      fc.constantFrom(ids.watched, ...ids.others),
      fc.option(fc.nat({ max: 5 }), { nil: undefined }),
      fc.array(push, { maxLength: 3 }),
      fc.boolean(),
    )
    .map(([id, cursor, pushes, leave]) => {
      const topic = `conversation:${id}`;
      const texts = [JSON.stringify(['j', 'j', topic, 'phx_join', cursor === undefined ? {} : { cursor }])];
      pushes.forEach(([ref, event, payload]) => texts.push(JSON.stringify(['j', ref, topic, event, payload])));
      if (leave) {
        texts.push(JSON.stringify(['j', 'l', topic, 'phx_leave', {}]));
      }
      return texts;
    });
}

/** A join whose cursor is nested `depth` arrays deep: more than JSON.stringify can recurse through. */
export const deeplyNestedJoin = (ids: FuzzIds) =>
  fc
    .tuple(fc.integer({ min: 1000, max: 30_000 }), fc.constantFrom(ids.watched, ...ids.others))
    .map(
      ([depth, id]) => `["1","1","conversation:${id}","phx_join",{"cursor":${'['.repeat(depth)}${']'.repeat(depth)}}]`,
    );

/** A heartbeat padded to `size` bytes: just under, at and just over the limit. */
export const paddedHeartbeat = fc.integer({ min: MAX_MESSAGE_BYTES - 8, max: MAX_MESSAGE_BYTES + 8 }).map((size) => {
  const shell = JSON.stringify([null, 'pad', 'phoenix', 'heartbeat', { pad: '' }]);
  return JSON.stringify([null, 'pad', 'phoenix', 'heartbeat', { pad: 'p'.repeat(size - Buffer.byteLength(shell)) }]);
});

/** Floods of joins in one go: many topics, the same topic again and again, or topics that cannot be joined. */
export function joinFlood(ids: FuzzIds): fc.Arbitrary<string[]> {
  const join = (topic: string, n: number, cursor: unknown) =>
    JSON.stringify([String(n), String(n), topic, 'phx_join', cursor === undefined ? {} : { cursor }]);
  const count = fc.integer({ min: 5, max: 40 });
  const cursor = fc.option(fc.nat({ max: 3 }), { nil: undefined });
  return fc.oneof(
    fc
      .tuple(count, cursor, fc.nat({ max: 1_000_000 }))
      .map(([n, c, base]) => Array.from({ length: n }, (_, i) => join(`conversation:flood-${base + i}`, i, c))),
    fc
      .tuple(count, cursor, fc.constantFrom(...ids.others))
      .map(([n, c, id]) => Array.from({ length: n }, (_, i) => join(`conversation:${id}`, i, c))),
    fc
      .tuple(
        count,
        fc.oneof(
          invalidConversationId.map((id) => `conversation:${id}`),
          fc.string({ maxLength: 10 }),
        ),
      )
      .map(([n, topic]) => Array.from({ length: n }, (_, i) => join(topic, i, undefined))),
  );
}

/** What a Phoenix socket is sent in one run. */
export function phoenixMessages(ids: FuzzIds): fc.Arbitrary<WsMessage[]> {
  const text = phoenixText(ids);
  const unfragmented = (texts: string[]) => texts.map(textOf);
  const one = fc.oneof(
    { weight: 10, arbitrary: textMessage(text).map((m) => [m]) },
    { weight: 4, arbitrary: channelSession(ids).map(unfragmented) },
    { weight: 1, arbitrary: joinFlood(ids).map(unfragmented) },
    { weight: 1, arbitrary: binaryMessage.map((m) => [m]) },
    { weight: 1, arbitrary: invalidUtf8Message.map((m) => [m]) },
    { weight: 1, arbitrary: oversizeMessage.map((m) => [m]) },
    { weight: 1, arbitrary: textMessage(paddedHeartbeat).map((m) => [m]) },
    { weight: 1, arbitrary: textMessage(deeplyNestedJoin(ids)).map((m) => [m]) },
  );
  return fc.array(one, { minLength: 1, maxLength: 6 }).map((groups) => groups.flat());
}

/** What a plain stream is sent in one run: it takes nothing, so only ws's own limits close it. */
export const plainMessages: fc.Arbitrary<WsMessage[]> = fc.array(
  fc.oneof(
    { weight: 4, arbitrary: textMessage(fc.string({ unit: 'binary', maxLength: 80 })) },
    { weight: 2, arbitrary: binaryMessage },
    { weight: 1, arbitrary: invalidUtf8Message },
    { weight: 1, arbitrary: oversizeMessage },
  ),
  { maxLength: 5 },
);

/** The reply a Phoenix push gets: `[join_ref, ref, topic, "phx_reply", {status, response}]`. */
export interface PhoenixReply {
  joinRef: string | null;
  ref: string | null;
  topic: string;
  status: 'ok' | 'error';
  response: Record<string, unknown>;
}

const refOf = (value: unknown): string | null | undefined =>
  value === null ? null : typeof value === 'string' ? value : typeof value === 'number' ? String(value) : undefined;

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * One Phoenix socket as docs/api.md describes it: which channels are joined, and
 * what each text message gets: a reply, or (not a v2 frame) the socket closed with 1008.
 */
export class PhoenixModel {
  private readonly joined = new Set<string>();

  answer(text: string): PhoenixReply | { close: 1008 } {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      return { close: 1008 };
    }
    if (!Array.isArray(json) || json.length !== 5) {
      return { close: 1008 };
    }
    const [joinRefValue, refValue, topic, event, payload] = json as unknown[];
    const joinRef = refOf(joinRefValue);
    const ref = refOf(refValue);
    if (joinRef === undefined || ref === undefined || typeof topic !== 'string' || typeof event !== 'string') {
      return { close: 1008 };
    }
    const reply = (status: 'ok' | 'error', reason?: string): PhoenixReply => ({
      joinRef,
      ref,
      topic,
      status,
      response: reason === undefined ? {} : { reason },
    });
    if (topic === 'phoenix' && event === 'heartbeat') {
      return reply('ok');
    }
    if (event === 'phx_join') {
      return this.join(topic, payload, reply);
    }
    if (event === 'phx_leave') {
      this.joined.delete(topic);
      return reply('ok');
    }
    return reply('error', this.joined.has(topic) ? 'unsupported_event' : 'unmatched topic');
  }

  private join(
    topic: string,
    payload: unknown,
    reply: (status: 'ok' | 'error', reason?: string) => PhoenixReply,
  ): PhoenixReply {
    const prefix = 'conversation:';
    if (!topic.startsWith(prefix)) {
      return reply('error', 'unmatched topic');
    }
    if (!isValidConversationId(topic.slice(prefix.length))) {
      return reply('error', 'invalid_conversation_id');
    }
    const params = isObject(payload) ? payload : {};
    if (!isValidCursor('cursor' in params ? params.cursor : undefined)) {
      return reply('error', 'invalid_cursor');
    }
    if (!isValidRunCursors('run_cursors' in params ? params.run_cursors : undefined)) {
      return reply('error', 'invalid_cursor');
    }
    this.joined.add(topic);
    return reply('ok');
  }
}

/** The reply fields of a received `phx_reply` message. */
export function replyOf(
  message: [string | null, string | null, string, string, Record<string, unknown>],
): PhoenixReply {
  const [joinRef, ref, topic, , payload] = message;
  return {
    joinRef,
    ref,
    topic,
    status: payload.status as 'ok' | 'error',
    response: payload.response as Record<string, unknown>,
  };
}

/** Frames as bytes on the wire, most of them well-formed, some breaking RFC 6455 in each way it can be broken. */
export const rawFrame: fc.Arbitrary<RawFrame> = fc
  .record({
    fin: fc.oneof({ weight: 4, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
    rsv: fc.oneof({ weight: 6, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 7 }) }),
    opcode: fc.oneof(
      {
        weight: 6,
        arbitrary: fc.constantFrom(Opcode.Text, Opcode.Binary, Opcode.Ping, Opcode.Pong, Opcode.Continuation),
      },
      { weight: 1, arbitrary: fc.constant(Opcode.Close) },
      { weight: 1, arbitrary: fc.constantFrom(3, 4, 5, 6, 7, 11, 12, 13, 14, 15) },
    ),
    masked: fc.oneof({ weight: 6, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
    payload: fc.oneof(
      { weight: 8, arbitrary: fc.uint8Array({ maxLength: 140 }).map((b) => Buffer.from(b)) },
      { weight: 1, arbitrary: fc.string({ maxLength: 100 }).map((s) => Buffer.from(s)) },
      {
        weight: 1,
        arbitrary: fc.integer({ min: MAX_MESSAGE_BYTES + 1, max: 80 * 1024 }).map((n) => Buffer.alloc(n, 1)),
      },
    ),
  })
  .map((frame) =>
    Object.assign(frame, {
      [fc.toStringMethod]: () =>
        `frame(fin=${frame.fin} rsv=${frame.rsv} opcode=${frame.opcode} masked=${frame.masked} ` +
        `${frame.payload.length} bytes: 0x${frame.payload.subarray(0, 40).toString('hex')})`,
    }),
  );

/** The code a close frame carries, which the server echoes: 1005 (none) when it has no payload. Null for other frames. */
export function closeCodeSent(frame: RawFrame): number | null {
  if (frame.opcode !== Opcode.Close) {
    return null;
  }
  return frame.payload.length >= 2 ? frame.payload.readUInt16BE(0) : 1005;
}
