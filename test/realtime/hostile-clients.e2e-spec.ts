import { randomUUID } from 'node:crypto';
import { eventually, ServiceProcess } from '../support/service-process';
import { isolatedEnv } from '../support/test-env';
import { EventFeed } from './support/event-feed';
import { allocateFreePort } from './support/free-port';
import { PHOENIX_PATH, PhoenixClient } from './support/phoenix-client';
import { ProjectionRows } from './support/projection-rows';
import { RawWebSocket } from './support/raw-websocket';
import { expectServing, WatchedConversation } from './support/watched-conversation';
import { WebSocketProbe } from './support/websocket-probe';

/**
 * What one client sends never reaches another: an oversized or malformed frame
 * closes only the connection it came on, with the documented close code, while
 * the process stays up and every other subscriber keeps receiving.
 */
const env = isolatedEnv('rt-hostile');
let realtime: ServiceProcess;
let wsBase: string;
let watched: WatchedConversation;
const feed = new EventFeed(env.KAFKA_TOPIC);
const rows = new ProjectionRows();
const newId = () => `rt-hostile-${randomUUID()}`;

beforeAll(async () => {
  const port = await allocateFreePort();
  realtime = new ServiceProcess('realtime', 'rt-hostile', port, { ...env, REALTIME_PORT: String(port) });
  await realtime.start();
  wsBase = realtime.baseUrl.replace(/^http/, 'ws');
  await Promise.all([feed.connect(), rows.connect()]);
  watched = await WatchedConversation.open(realtime.baseUrl, newId(), feed, rows);
}, 90_000);

afterAll(async () => {
  watched?.close();
  await Promise.all([feed.disconnect(), rows.disconnect()]);
  await realtime.stop();
});

/** The process answers ready, counted no uncaught error, and the subscribers get a seq appended now. */
async function expectOthersUnharmed(): Promise<void> {
  await expectServing(realtime.baseUrl);
  await watched.expectEveryoneHas(await watched.appendNext());
}

const HUNDRED_KIB = 'x'.repeat(100 * 1024);

it.each([
  ['Phoenix', () => PHOENIX_PATH],
  ['plain stream', () => `/v1/conversations/${newId()}/stream?cursor=0`],
])(
  'a 100 KiB frame on a %s WebSocket closes that socket with 1009; the process stays ready and every other subscriber keeps receiving',
  async (_name, path) => {
    const hostile = await WebSocketProbe.open(`${wsBase}${path()}`);
    hostile.ws.send(HUNDRED_KIB);
    expect((await hostile.closed).code).toBe(1009);
    await expectOthersUnharmed();
  },
);

it('a 100 KiB message sent in 1 KiB fragments is closed with 1009 too', async () => {
  const hostile = await WebSocketProbe.open(`${wsBase}${PHOENIX_PATH}`);
  for (let sent = 0; sent < 100; sent += 1) {
    hostile.ws.send('x'.repeat(1024), { fin: sent === 99 });
  }
  expect((await hostile.closed).code).toBe(1009);
  await expectOthersUnharmed();
});

it.each([
  { sent: 'text that is not JSON', frame: 'hello', code: 1008, reason: 'invalid_frame' },
  {
    sent: 'a JSON object instead of an array',
    frame: '{"topic":"phoenix","event":"heartbeat"}',
    code: 1008,
    reason: 'invalid_frame',
  },
  {
    sent: 'an array of the wrong arity',
    frame: '["1","1","phoenix","heartbeat"]',
    code: 1008,
    reason: 'invalid_frame',
  },
  { sent: 'a topic that is not a string', frame: '["1","1",42,"phx_join",{}]', code: 1008, reason: 'invalid_frame' },
  {
    sent: 'a ref that is an object',
    frame: '[null,{"r":1},"phoenix","heartbeat",{}]',
    code: 1008,
    reason: 'invalid_frame',
  },
  { sent: 'a binary frame', frame: Buffer.from([1, 2, 3]), code: 1003, reason: 'binary_frame' },
  { sent: 'a text frame that is not UTF-8', frame: { text: Buffer.from([0xc3, 0x28]) }, code: 1007, reason: '' },
])('a Phoenix socket that sends $sent is closed with $code; nobody else notices', async ({ frame, code, reason }) => {
  const hostile = await WebSocketProbe.open(`${wsBase}${PHOENIX_PATH}`);
  if (typeof frame === 'string' || Buffer.isBuffer(frame)) {
    hostile.ws.send(frame);
  } else {
    hostile.ws.send(frame.text, { binary: false });
  }
  expect(await hostile.closed).toEqual({ code, reason });
  await expectOthersUnharmed();
});

it('Phoenix pushes that decode but are not served get the documented error replies, and the socket stays open', async () => {
  const client = await PhoenixClient.open(realtime.baseUrl);
  const topic = `conversation:${newId()}`;
  expect(await client.push('room:lobby', 'phx_join', {})).toEqual({
    status: 'error',
    response: { reason: 'unmatched topic' },
  });
  expect(await client.push('conversation:-bad', 'phx_join', {})).toEqual({
    status: 'error',
    response: { reason: 'invalid_conversation_id' },
  });
  expect(await client.push(topic, 'new_msg', {})).toEqual({ status: 'error', response: { reason: 'unmatched topic' } });
  expect(await client.join(topic, { cursor: 0 })).toEqual({ status: 'ok', response: {} });
  expect(await client.push(topic, 'new_msg', {})).toEqual({
    status: 'error',
    response: { reason: 'unsupported_event' },
  });
  // A cursor nested deeper than JSON.stringify can recurse used to throw out of the message listener.
  const deep = `${'['.repeat(20_000)}${']'.repeat(20_000)}`;
  client.probe.ws.send(`["9","9","conversation:${newId()}","phx_join",{"cursor":${deep}}]`);
  await eventually('the reply to the deep join', async () => client.replies.find((m) => m[1] === '9'));
  expect(client.replies.find((m) => m[1] === '9')?.[4]).toEqual({
    status: 'error',
    response: { reason: 'invalid_cursor' },
  });
  expect(await client.probe.answersPing()).toBe(true);
  expect(await client.probe.close()).toMatchObject({ code: 1000 });
  await expectOthersUnharmed();
});

it('frames sent on a plain stream are read and dropped: the stream goes on', async () => {
  const id = newId();
  const hostile = await WebSocketProbe.open(`${wsBase}/v1/conversations/${id}/stream?cursor=0`);
  hostile.ws.send('{"type":"subscribe"}');
  hostile.ws.send(Buffer.from([0, 1, 2]));
  expect(await hostile.answersPing()).toBe(true);
  hostile.ws.send('x'.repeat(64 * 1024 + 1));
  expect((await hostile.closed).code).toBe(1009);
  await expectOthersUnharmed();
});

it('frames that break RFC 6455 are closed with 1002 by ws, and an upgrade whose target URL cannot parse gets a 404', async () => {
  // An unmasked text frame: clients must mask.
  const unmasked = await RawWebSocket.upgrade(realtime.port, PHOENIX_PATH);
  if (!(unmasked instanceof RawWebSocket)) {
    throw new Error(`upgrade refused: ${unmasked.status}`);
  }
  unmasked.write(Buffer.from([0x81, 0x02, 0x68, 0x69]));
  expect(await unmasked.closeCode).toBe(1002);
  unmasked.destroy();

  // `//[` made `new URL()` throw inside the HTTP server's 'upgrade' listener.
  expect(await RawWebSocket.upgrade(realtime.port, '//[')).toMatchObject({
    status: 404,
    body: expect.stringContaining('"not_found"') as string,
  });
  await expectOthersUnharmed();
});
