import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { eventually, ServiceProcess } from '../support/service-process';
import { isolatedEnv } from '../support/test-env';
import { EventFeed } from '../realtime/support/event-feed';
import { allocateFreePort } from '../realtime/support/free-port';
import { PHOENIX_PATH, PhoenixClient } from '../realtime/support/phoenix-client';
import { ProjectionRows } from '../realtime/support/projection-rows';
import { clientCloseFrame, encodeRawFrame, RawWebSocket } from '../realtime/support/raw-websocket';
import { StreamFrame } from '../realtime/support/stream-clients';
import { expectServing, WatchedConversation } from '../realtime/support/watched-conversation';
import { WebSocketProbe } from '../realtime/support/websocket-probe';
import { FUZZ_RUNS, fuzzParameters } from './support/fuzz-settings';
import {
  closeCodeSent,
  documentedCloseCodes,
  FuzzIds,
  PhoenixModel,
  PhoenixReply,
  phoenixMessages,
  plainMessages,
  rawFrame,
  replyOf,
  sendMessage,
  transportCloseCode,
  WsMessage,
} from './support/realtime-frames';
import {
  anyUpgradeTarget,
  getStream,
  plainStreamRequest,
  sessionTailPath,
  SessionTailRequestCase,
  sessionTailRequest,
  sseRequest,
  StreamRequestCase,
  streamPath,
} from './support/realtime-requests';

/**
 * Hostile and broken clients against one real realtime service: Phoenix frames
 * of every shape (bad JSON, wrong arity and types, unknown events, floods of
 * joins, binary, invalid UTF-8, over 64 KiB, fragmented), bytes that break RFC
 * 6455, upgrade targets, session tails and SSE requests with bad ids, cursors, batch sizes and Last-Event-IDs.
 * Each connection gets what docs/api.md documents: a reply, the stream, a 4xx
 * before the upgrade or a documented close code. After every run the process is
 * ready, counted no uncaught error, and subscribers that connected with a cursor
 * before anything else got the seq appended during the run, in order.
 */

const env = isolatedEnv('fz-rt');
const ids: FuzzIds = {
  watched: `fz-rt-watched-${randomUUID()}`,
  others: Array.from({ length: 4 }, (_, i) => `fz-rt-${i}-${randomUUID().slice(0, 8)}`),
};
const closeCodes = documentedCloseCodes();
const STREAM_FRAME_TYPES = new Set(['message', 'tombstone', 'gap', 'conversation_deleted']);
/**
 * Every run shares one process and its watching subscribers, so a failure can outlive its run (a dead
 * process fails every run after it): the first failing input is the counterexample, not a shrunk one.
 */
const PARAMETERS = { endOnFailure: true };
/** Per property: generous for the default runs, scaled for `npm run test:fuzz -- --runs N`. */
const PROPERTY_TIMEOUT_MS = 60_000 + FUZZ_RUNS * 1_500;

let realtime: ServiceProcess;
let wsBase: string;
let watched: WatchedConversation;
const feed = new EventFeed(env.KAFKA_TOPIC);
const rows = new ProjectionRows();

beforeAll(async () => {
  const port = await allocateFreePort();
  realtime = new ServiceProcess('realtime', 'fuzz-realtime', port, { ...env, REALTIME_PORT: String(port) });
  await realtime.start();
  wsBase = realtime.baseUrl.replace(/^http/, 'ws');
  await Promise.all([feed.connect(), rows.connect()]);
  watched = await WatchedConversation.open(realtime.baseUrl, ids.watched, feed, rows);
}, 120_000);

afterAll(async () => {
  watched?.close();
  await Promise.all([feed.disconnect(), rows.disconnect()]);
  await realtime?.stop();
});

/**
 * One fuzz run: a seq is appended to the watched conversation while `run` does
 * its worst; then the process must be ready with no uncaught error, and every
 * watching subscriber must have that seq after all the ones before it.
 */
async function whileAppending(run: () => Promise<void>): Promise<void> {
  const [, seq] = await Promise.all([run(), watched.appendNext()]);
  await expectServing(realtime.baseUrl);
  await watched.expectEveryoneHas(seq);
}

/** What a message must get on a Phoenix socket, whose model it advances: a reply, or the close code. */
function phoenixVerdict(model: PhoenixModel, message: WsMessage): PhoenixReply | number {
  const transport = transportCloseCode(message);
  if (transport !== null) {
    return transport;
  }
  if (message.binary) {
    return 1003;
  }
  const answer = model.answer(message.bytes.toString('utf8'));
  return 'close' in answer ? answer.close : answer;
}

it(
  'a Phoenix socket gets the documented reply to every frame in order, or is closed with the documented code at the first frame it cannot take',
  async () => {
    await fc.assert(
      fc.asyncProperty(phoenixMessages(ids), (messages) =>
        whileAppending(async () => {
          const client = await PhoenixClient.open(realtime.baseUrl);
          const model = new PhoenixModel();
          const owed: PhoenixReply[] = [];
          let closeCode: number | null = null;
          for (const message of messages) {
            if (closeCode === null) {
              const verdict = phoenixVerdict(model, message);
              if (typeof verdict === 'number') {
                closeCode = verdict;
              } else {
                owed.push(verdict);
              }
            }
            // A hostile client goes on sending after its socket was closed; the server must drop it.
            sendMessage(client.probe.ws, message);
          }
          if (closeCode === null) {
            owed.push({ joinRef: null, ref: 'last', topic: 'phoenix', status: 'ok', response: {} });
            client.send([null, 'last', 'phoenix', 'heartbeat', {}]);
            await eventually(
              'the reply to the last heartbeat, or the end of the socket',
              async () => client.replies.some((m) => m[1] === 'last') || client.probe.ws.readyState > 1,
              10_000,
              10,
            );
            expect(client.replies.map(replyOf)).toEqual(owed);
            expect(await client.probe.close()).toMatchObject({ code: 1000 });
          } else {
            expect((await client.probe.closed).code).toBe(closeCode);
            expect(client.replies.map(replyOf)).toEqual(owed);
          }
          expect(closeCodes).toContain((await client.probe.closed).code);
        }),
      ),
      fuzzParameters(PARAMETERS),
    );
  },
  PROPERTY_TIMEOUT_MS,
);

/** Checks a refused upgrade or SSE request: a 4xx whose `error` is the one expected, or a documented one. */
function expectRefusal(
  c: Pick<StreamRequestCase, 'expected'> | SessionTailRequestCase,
  status: number,
  body: string,
): void {
  const context = { request: c, status, body };
  expect({ ...context, clientError: status >= 400 && status < 500 }).toEqual({ ...context, clientError: true });
  if (c.expected === 'stream') {
    throw new Error(`refused a request that should have been streamed: ${JSON.stringify(context)}`);
  }
  if (c.expected !== null) {
    expect({ ...context, answer: JSON.parse(body) as unknown }).toEqual({
      ...context,
      answer: { error: c.expected, message: expect.any(String) as string },
    });
  }
}

/**
 * Upgrades `url`: a refusal must be the documented one for `request` (then null). An open socket is sent
 * `messages` and must take them all (then is closed with 1000) or close with the code the first it cannot
 * take calls for; the probe is returned with what the server sent.
 */
async function upgradeAndSend(
  url: string,
  request: Pick<StreamRequestCase, 'expected'> | SessionTailRequestCase,
  messages: WsMessage[],
): Promise<WebSocketProbe | null> {
  const connection = await WebSocketProbe.connect(url);
  if (connection.kind === 'refused') {
    expect([400, 404]).toContain(connection.status);
    expectRefusal(request, connection.status, connection.body);
    return null;
  }
  expect({ request, upgraded: true }).toEqual({
    request,
    upgraded: request.expected === null || request.expected === 'stream',
  });
  const { probe } = connection;
  const closeCode = messages.map(transportCloseCode).find((code) => code !== null) ?? null;
  messages.forEach((message) => sendMessage(probe.ws, message));
  if (closeCode === null) {
    expect(await probe.answersPing()).toBe(true);
    expect(await probe.close()).toMatchObject({ code: 1000 });
  } else {
    expect((await probe.closed).code).toBe(closeCode);
  }
  return probe;
}

it(
  'a plain stream upgrade is refused with the documented 400 for a bad id or cursor; an open stream drops what the client sends, until a message over 64 KiB (1009) or not UTF-8 (1007)',
  async () => {
    await fc.assert(
      fc.asyncProperty(plainStreamRequest(ids), plainMessages, (request, messages) =>
        whileAppending(async () => {
          const probe = await upgradeAndSend(`${wsBase}${streamPath(request, 'stream')}`, request, messages);
          if (!probe) {
            return;
          }
          const frames = probe.texts.map((text) => JSON.parse(text) as StreamFrame);
          expect(frames.filter((f) => !STREAM_FRAME_TYPES.has(f.type))).toEqual([]);
          const seqs = frames.flatMap((f) => (f.seq === undefined ? [] : [f.seq]));
          expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
          expect(new Set(seqs).size).toBe(seqs.length);
        }),
      ),
      fuzzParameters(PARAMETERS),
    );
  },
  PROPERTY_TIMEOUT_MS,
);

/** The seqs of a session tail's frames: an event, an array of events (batch_size > 1), or a gap frame. */
function tailSeqs(texts: string[]): number[] {
  return texts.flatMap((text) => {
    const frame = JSON.parse(text) as { seq?: number; type?: string } | Array<{ seq: number }>;
    if (Array.isArray(frame)) {
      return frame.map((event) => event.seq);
    }
    if (frame.type === 'gap') {
      return [];
    }
    expect(frame).toMatchObject({ seq: expect.any(Number) as number });
    return [frame.seq as number];
  });
}

it(
  'a session tail upgrade is refused with the documented 400 for a bad id, cursor or batch_size; an open tail sends events in seq order and drops what the client sends',
  async () => {
    await fc.assert(
      fc.asyncProperty(sessionTailRequest(ids), plainMessages, (request, messages) =>
        whileAppending(async () => {
          const probe = await upgradeAndSend(`${wsBase}${sessionTailPath(request)}`, request, messages);
          if (!probe) {
            return;
          }
          const seqs = tailSeqs(probe.texts);
          expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
          expect(new Set(seqs).size).toBe(seqs.length);
        }),
      ),
      fuzzParameters(PARAMETERS),
    );
  },
  PROPERTY_TIMEOUT_MS,
);

it(
  'bytes that break RFC 6455 get a documented close code (the one ws sends, or the client close echoed); any upgrade target gets 101 or a documented 4xx',
  async () => {
    const path = fc.oneof(
      fc.constantFrom(PHOENIX_PATH, '/v1/socket/websocket?vsn=2.0.0'),
      fc.constantFrom(ids.watched, ...ids.others).map((id) => `/v1/conversations/${id}/stream`),
      fc.constantFrom(ids.watched, ...ids.others).map((id) => `/v1/sessions/${id}/tail`),
      anyUpgradeTarget,
    );
    await fc.assert(
      fc.asyncProperty(path, fc.array(rawFrame, { minLength: 1, maxLength: 6 }), (target, frames) =>
        whileAppending(async () => {
          const socket = await RawWebSocket.upgrade(realtime.port, target);
          if (!(socket instanceof RawWebSocket)) {
            const answer = { target, status: socket.status, body: socket.body };
            expect({ ...answer, documented: [400, 404].includes(socket.status) }).toEqual({
              ...answer,
              documented: true,
            });
            return;
          }
          try {
            frames.forEach((frame) => socket.write(encodeRawFrame(frame)));
            socket.write(clientCloseFrame(1000));
            const code = await socket.closeCode;
            const echoed = frames.map(closeCodeSent).filter((c): c is number => c !== null);
            const allowed = [...closeCodes, ...echoed, 1000];
            expect({ target, frames: frames.length, code, allowed: allowed.includes(code ?? 0) }).toEqual({
              target,
              frames: frames.length,
              code,
              allowed: true,
            });
          } finally {
            socket.destroy();
          }
        }),
      ),
      fuzzParameters(PARAMETERS),
    );
  },
  PROPERTY_TIMEOUT_MS,
);

it(
  'an SSE request is streamed, or refused with the documented 400 for a bad id, cursor or Last-Event-ID; never a 5xx',
  async () => {
    await fc.assert(
      fc.asyncProperty(sseRequest(ids), (request) =>
        whileAppending(async () => {
          const headers: Record<string, string> =
            request.lastEventId === undefined ? {} : { 'last-event-id': request.lastEventId };
          const answer = await getStream(realtime.port, streamPath(request, 'events'), headers);
          if (answer.status === 200) {
            expect({ request, contentType: answer.contentType, expected: request.expected }).toEqual({
              request,
              contentType: expect.stringMatching(/^text\/event-stream/) as string,
              expected: request.expected === null ? null : 'stream',
            });
            expect(answer.body).toMatch(/^retry: \d+\n\n/);
            return;
          }
          expect([400, 404]).toContain(answer.status);
          expectRefusal(request, answer.status, answer.body);
        }),
      ),
      fuzzParameters(PARAMETERS),
    );
  },
  PROPERTY_TIMEOUT_MS,
);
