import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, Producer } from 'kafkajs';
import { EncodedEvent, encodeEvent, encodeIndexFence, EventType, MessageAppendedEvent } from '@threadline/contracts';
import {
  archiveDir,
  archiverProcess,
  db,
  metricValue,
  readSegment,
  removeArchiveDirs,
  segments,
} from '../archiver/support';
import { allocateFreePort } from '../realtime/support/free-port';
import { PlainStreamClient, SseClient, StreamFrame } from '../realtime/support/stream-clients';
import { eventually, ServiceProcess } from '../support/service-process';
import { allocatePort, isolatedEnv, TEST_KAFKA_BROKERS } from '../support/test-env';

/**
 * The fence rule (docs/events.md rule 6) in every real consumer at once: the
 * projector, the archiver and the realtime fan-out read one partition where a
 * head-index rebuild fenced epoch 1 off, and must all ignore the epoch-1 event
 * that lands after the fence, also across restarts and in a realtime instance
 * that starts after the fence. The records are built by hand, as a command
 * instance of each epoch would have produced them.
 */
const env = isolatedEnv('fence', 1);
const dir = archiveDir('fence');
const kafka = new Kafka({ clientId: 'fence-e2e', brokers: TEST_KAFKA_BROKERS.split(','), logLevel: logLevel.NOTHING });
const id = `fence-${randomUUID()}`;
const projectorPort = allocatePort();
const projector = new ServiceProcess('projector', `fence-projector-${env.KAFKA_TOPIC}`, projectorPort, {
  ...env,
  PROJECTOR_PORT: String(projectorPort),
});
const archiver = archiverProcess('fence-archiver', env, dir, { ARCHIVE_RETENTION_ENABLED: 'false' });
const running: ServiceProcess[] = [];
const clients: { close(): void }[] = [];
let producer: Producer;

async function realtimeProcess(name: string): Promise<ServiceProcess> {
  const port = await allocateFreePort();
  const realtime = new ServiceProcess('realtime', `${name}-${env.KAFKA_TOPIC}`, port, {
    ...env,
    ARCHIVE_DIR: dir,
    REALTIME_PORT: String(port),
  });
  running.push(realtime);
  return realtime;
}

const text = (seq: number, epoch: number) => `seq ${seq} decided in index epoch ${epoch}`;

function appended(seq: number, epoch: number): MessageAppendedEvent {
  return {
    schema_version: 2,
    tenant_id: 'default',
    event_id: randomUUID(),
    conversation_id: id,
    occurred_at: new Date().toISOString(),
    index_epoch: epoch,
    type: EventType.MessageAppended,
    seq,
    data: {
      version: seq,
      message: { role: 'user', parts: [{ type: 'text', text: text(seq, epoch) }], metadata: {} },
      producer_id: null,
      producer_seq: null,
      actor: null,
    },
  };
}

function fence(epoch: number) {
  return encodeIndexFence({
    schema_version: 1,
    event_id: randomUUID(),
    type: 'index.fenced',
    occurred_at: new Date().toISOString(),
    index_epoch: epoch,
  });
}

/** Produces to partition 0 in this order, as the command's producers and the rebuild's fence writer would. */
async function produce(...records: EncodedEvent[]): Promise<void> {
  await producer.send({
    topic: env.KAFKA_TOPIC,
    acks: -1,
    messages: records.map((r) => ({ key: r.key, value: r.value, headers: r.headers, partition: 0 })),
  });
}

async function position(consumer: string): Promise<{ nextOffset: number; indexFence: number } | undefined> {
  const { rows } = await db.query<{ next_offset: string; index_fence: string }>(
    'SELECT next_offset, index_fence FROM consumer_offsets WHERE consumer = $1 AND topic = $2 AND partition = 0',
    [consumer, env.KAFKA_TOPIC],
  );
  return rows[0] && { nextOffset: Number(rows[0].next_offset), indexFence: Number(rows[0].index_fence) };
}

async function untilPosition(
  consumer: string,
  nextOffset: number,
): Promise<{ nextOffset: number; indexFence: number }> {
  return eventually(
    `${consumer} at offset ${nextOffset}`,
    async () => {
      const stored = await position(consumer);
      return stored?.nextOffset === nextOffset && stored;
    },
    60_000,
  );
}

async function projectedRows(): Promise<[number, string][]> {
  const { rows } = await db.query<{ seq: string; parts: { text: string }[] }>(
    'SELECT seq, parts FROM messages WHERE conversation_id = $1 ORDER BY seq',
    [id],
  );
  return rows.map((r) => [Number(r.seq), r.parts[0].text]);
}

async function archivedLines(): Promise<[number, number, string][]> {
  const lines: [number, number, string][] = [];
  for (const segment of await segments(env.KAFKA_TOPIC)) {
    for (const line of await readSegment(dir, segment.segment_key)) {
      const event = line.event as MessageAppendedEvent;
      lines.push([line.offset, event.seq, textOf(event)]);
    }
  }
  return lines;
}

function textOf(event: MessageAppendedEvent): string {
  const part = event.data.message.parts[0];
  return part.type === 'text' ? String(part.text) : '';
}

function received(frames: StreamFrame[]): [number, string][] {
  return frames
    .filter((f) => f.type === 'message')
    .map((f) => [f.seq as number, (f.message?.parts[0] as { text: string }).text]);
}

async function untilSeq(what: string, frames: () => StreamFrame[], seq: number): Promise<void> {
  await eventually(`${what} to receive seq ${seq}`, async () => frames().some((f) => f.seq === seq), 30_000, 20);
}

beforeAll(async () => {
  producer = kafka.producer({ allowAutoTopicCreation: false });
  await Promise.all([projector.start(), archiver.start(), producer.connect()]);
}, 120_000);

afterAll(async () => {
  for (const client of clients) {
    client.close();
  }
  await producer.disconnect();
  await Promise.all([projector, archiver, ...running].map((s) => s.stop()));
  await db.end();
  removeArchiveDirs();
});

describe('the fence rule in every consumer', () => {
  const projectorGroup = env.PROJECTOR_GROUP_ID;
  const archiverGroup = env.ARCHIVER_GROUP_ID;
  let realtime: ServiceProcess;

  it('ignores the epoch-1 event after the fence in Postgres, the archive and live streams, and applies epoch 2', async () => {
    realtime = await realtimeProcess('fence-realtime');
    await realtime.start();
    const plain = await PlainStreamClient.open(realtime.baseUrl, id, 0);
    const sse = await SseClient.open(`${realtime.baseUrl}/v1/conversations/${id}/events?cursor=0`);
    clients.push(plain, sse);

    await produce(
      encodeEvent(appended(1, 1)),
      encodeEvent(appended(2, 1)),
      fence(2),
      encodeEvent(appended(3, 1)),
      encodeEvent(appended(3, 2)),
      encodeEvent(appended(4, 2)),
    );
    const expected: [number, string][] = [
      [1, text(1, 1)],
      [2, text(2, 1)],
      [3, text(3, 2)],
      [4, text(4, 2)],
    ];

    expect(await untilPosition(projectorGroup, 6)).toEqual({ nextOffset: 6, indexFence: 2 });
    expect(await projectedRows()).toEqual(expected);
    const { rows } = await db.query<{ last_seq: string; message_count: string }>(
      'SELECT last_seq, message_count FROM conversations WHERE id = $1',
      [id],
    );
    expect(rows.map((r) => [Number(r.last_seq), Number(r.message_count)])).toEqual([[4, 4]]);

    expect(await untilPosition(archiverGroup, 6)).toEqual({ nextOffset: 6, indexFence: 2 });
    expect(await archivedLines()).toEqual(expected.map(([seq, t], i) => [[0, 1, 4, 5][i], seq, t]));
    const archived = await segments(env.KAFKA_TOPIC);
    expect(archived[0].first_offset).toBe(0);
    expect(archived.at(-1)?.last_offset).toBe(5);

    await untilSeq('the WebSocket client', () => plain.frames, 4);
    await untilSeq('the SSE client', () => sse.events.map((e) => e.data), 4);
    expect(received(plain.frames)).toEqual(expected);
    expect(received(sse.events.map((e) => e.data))).toEqual(expected);

    expect(await metricValue(projector.baseUrl, 'threadline_projector_fenced_events_total')).toBe(1);
    expect(await metricValue(archiver.baseUrl, 'threadline_archiver_fenced_events_total')).toBe(1);
    expect(await metricValue(realtime.baseUrl, 'threadline_realtime_fenced_events_total')).toBe(1);
  });

  it('resumes with the stored fence after a restart, and a realtime instance started after the fence applies it too', async () => {
    await Promise.all([projector.stop(), archiver.stop()]);
    const late = await realtimeProcess('fence-realtime-late');
    await late.start();
    const lateClient = await PlainStreamClient.open(late.baseUrl, id, 4);
    const liveClient = await PlainStreamClient.open(realtime.baseUrl, id, 4);
    clients.push(lateClient, liveClient);

    await produce(encodeEvent(appended(5, 1)), encodeEvent(appended(5, 2)));
    const seq5: [number, string][] = [[5, text(5, 2)]];
    await untilSeq('the client of the realtime started after the fence', () => lateClient.frames, 5);
    await untilSeq('the client of the first realtime', () => liveClient.frames, 5);
    expect(received(lateClient.frames)).toEqual(seq5);
    expect(received(liveClient.frames)).toEqual(seq5);
    expect(await metricValue(late.baseUrl, 'threadline_realtime_fenced_events_total')).toBe(1);

    await Promise.all([projector.start(), archiver.start()]);
    expect(await untilPosition(projectorGroup, 8)).toEqual({ nextOffset: 8, indexFence: 2 });
    expect((await projectedRows()).at(-1)).toEqual([5, text(5, 2)]);
    expect(await untilPosition(archiverGroup, 8)).toEqual({ nextOffset: 8, indexFence: 2 });
    expect((await archivedLines()).slice(4)).toEqual([[7, 5, text(5, 2)]]);
    expect(await metricValue(projector.baseUrl, 'threadline_projector_fenced_events_total')).toBe(1);
    expect(await metricValue(archiver.baseUrl, 'threadline_archiver_fenced_events_total')).toBe(1);
    // Resumed with the stored fence: no segment planned under another fence had to be dropped.
    expect(await metricValue(archiver.baseUrl, 'threadline_archiver_stale_segments_total')).toBe(0);
  });
});
