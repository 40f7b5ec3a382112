import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { api } from '../support/api-client';
import { CommandStack } from '../support/command-stack';
import { eventually, ServiceProcess } from '../support/service-process';
import { allocatePort } from '../support/test-env';
import { archiveDir, archiverProcess, conversationState, db, removeArchiveDirs } from '../archiver/support';
import { PlainStreamClient, SseClient, StreamFrame } from '../realtime/support/stream-clients';
import { canonicalJson, firstDifference } from './support/canonical-json';
import { lagDrained } from './support/consumer-lag';
import { FUZZ_RUNS, fuzzParameters } from './support/fuzz-settings';
import { jsonObjectOf, storableKey, storableString } from './support/json-arbitraries';
import { messageArbitraries, SentMessage } from './support/message-arbitraries';
import { JoinedChannel, PhoenixChannels } from './support/phoenix-channels';
import { answerProblem, documentedCodes } from './support/raw-http';

/**
 * Whatever the API acknowledges with 201 comes back unchanged through every read
 * path: REST replay and tail, plain WebSocket, SSE and Phoenix streams (live and
 * catching up from Postgres), and, once retention has trimmed Postgres, replay
 * through the archive. "Unchanged" is the same JSON value: Postgres jsonb does
 * not keep the order of an object's keys (REST reads and catch-ups come back
 * with them sorted jsonb's way, live streams as sent), so objects are compared
 * with sorted keys (canonicalJson); every key, string, number and array order
 * must be exact.
 */

const PARTITIONS = 4;
const RETAINED = 1;
const STREAM_WAIT_MS = 15_000;
/** About 0.25 s a run on two busy cores; room for `npm run test:fuzz -- --runs N`. */
const RUN_TIMEOUT_MS = 120_000 + FUZZ_RUNS * 2_000;

const dir = archiveDir('fuzz-round-trip');
const stack = new CommandStack('fuzz-round-trip', 1, { ARCHIVE_DIR: dir });
const archiver = archiverProcess('archiver-fuzz-round-trip', stack.env, dir, {
  ARCHIVE_SEGMENT_MAX_BYTES: String(64 * 1024),
  ARCHIVE_RETAIN_MESSAGES: String(RETAINED),
  ARCHIVE_RETENTION_INTERVAL_MS: '300',
});
const realtimePort = allocatePort();
const realtime = new ServiceProcess('realtime', `realtime-fuzz-round-trip-${stack.env.KAFKA_TOPIC}`, realtimePort, {
  ...stack.env,
  REALTIME_PORT: String(realtimePort),
  ARCHIVE_DIR: dir,
  CATCHUP_PAGE: '2',
});
const codes = documentedCodes();
const sentMessage = messageArbitraries(storableString, storableKey).message;
let phoenix: PhoenixChannels;

/** One delivered seq, whichever path delivered it: `message` is the canonical JSON of role, parts and metadata. */
interface Delivery {
  seq: number;
  kind: string;
  message: string | null;
  token_count: unknown;
}

/** Per conversation, what was acknowledged, in seq order. */
const acknowledged = new Map<string, Delivery[]>();
const tally = { accepted: 0, refused: 0 };

const canonicalMessage = (m: { role?: unknown; parts?: unknown; metadata?: unknown }) =>
  canonicalJson({ role: m.role, parts: m.parts, metadata: m.metadata ?? {} });

interface PageEntry {
  seq: number;
  kind: string;
  role?: string;
  parts?: unknown[];
  metadata?: Record<string, unknown>;
  token_count?: number | null;
}

const fromPage = (entries: PageEntry[]): Delivery[] =>
  entries.map((m) => ({
    seq: m.seq,
    kind: m.kind,
    message: m.kind === 'message' ? canonicalMessage(m) : null,
    token_count: m.token_count ?? null,
  }));

const fromFrames = (frames: StreamFrame[]): Delivery[] =>
  frames
    .filter((f) => f.seq !== undefined)
    .map((f) => ({
      seq: f.seq!,
      kind: f.type,
      message: f.message ? canonicalMessage(f.message) : null,
      token_count: f.message?.token_count ?? null,
    }));

const fromPushes = (channel: JoinedChannel): Delivery[] =>
  fromFrames(channel.pushes.map((p) => ({ ...p.payload, type: p.event }) as StreamFrame));

/** What `via` delivered is what was acknowledged: the same seqs, kinds and token counts, the same JSON per message. */
function expectDelivered(via: string, actual: Delivery[], expected: Delivery[]): void {
  const outline = (list: Delivery[]) => list.map(({ seq, kind, token_count }) => ({ seq, kind, token_count }));
  expect({ via, deliveries: outline(actual) }).toEqual({ via, deliveries: outline(expected) });
  const differences = actual.flatMap((d, i) => {
    const difference = firstDifference(d.message ?? 'null', expected[i].message ?? 'null');
    return difference === null ? [] : [`seq ${d.seq}: ${difference}`];
  });
  expect({ via, differences }).toEqual({ via, differences: [] });
}

async function readPage(path: string): Promise<Delivery[]> {
  const res = await api<{ messages: PageEntry[]; consistency: string }>(stack.baseUrl, 'GET', path);
  expect({ path, status: res.status, consistency: res.body.consistency }).toEqual({
    path,
    status: 200,
    consistency: 'strong',
  });
  return fromPage(res.body.messages);
}

/** Appends each message in turn; returns the acknowledged ones, each with the seq and token count the 201 named. */
async function appendAll(id: string, messages: SentMessage[]): Promise<Delivery[]> {
  const acked: Delivery[] = [];
  for (const message of messages) {
    const res = await api(stack.baseUrl, 'POST', `/v1/conversations/${id}/messages`, { message });
    if (res.status === 201) {
      tally.accepted += 1;
      acked.push({
        seq: res.body.seq as number,
        kind: 'message',
        message: canonicalMessage(message),
        token_count: res.body.token_count,
      });
    } else {
      tally.refused += 1;
      const problem = answerProblem(
        { status: res.status, headers: res.headers, text: JSON.stringify(res.body) },
        codes,
      );
      expect({ problem, message }).toEqual({ problem: null, message });
    }
  }
  return acked;
}

/** One client of each streaming protocol on one conversation, from cursor 0. */
interface Streams {
  ws: PlainStreamClient;
  sse: SseClient;
  channel: JoinedChannel;
}

async function streamsOpen(id: string): Promise<Streams> {
  return {
    ws: await PlainStreamClient.open(realtime.baseUrl, id, 0),
    sse: await SseClient.open(`${realtime.baseUrl}/v1/conversations/${id}/events?cursor=0`),
    channel: await phoenix.join(id, 0),
  };
}

/** Waits until each stream has delivered the last acknowledged seq, then checks everything each one delivered. */
async function expectStreamed(label: string, streams: Streams, expected: Delivery[]): Promise<void> {
  const last = expected.at(-1)?.seq ?? 0;
  const delivered = {
    ws: () => fromFrames(streams.ws.frames),
    sse: () => fromFrames(streams.sse.events.map((e) => e.data)),
    phoenix: () => fromPushes(streams.channel),
  };
  for (const [protocol, deliveries] of Object.entries(delivered)) {
    if (last > 0) {
      await eventually(
        `${label} ${protocol} stream to deliver seq ${last}`,
        async () => deliveries().some((d) => d.seq >= last),
        STREAM_WAIT_MS,
        20,
      );
    }
    expectDelivered(`${label} ${protocol}`, deliveries(), expected);
  }
}

function streamsClose(streams: Streams): void {
  streams.ws.close();
  streams.sse.close();
  streams.channel.leave();
}

beforeAll(async () => {
  await stack.start();
  await Promise.all([archiver.start(), realtime.start()]);
  phoenix = new PhoenixChannels(realtime.baseUrl);
}, 120_000);

afterAll(async () => {
  phoenix?.disconnect();
  await Promise.all([realtime.stop(), archiver.stop(), stack.stop()]);
  await db.end();
  removeArchiveDirs();
});

describe('a message acknowledged with 201 reads back as the same JSON everywhere', () => {
  it(
    'through REST replay and tail, and plain WebSocket, SSE and Phoenix streams, live and catching up (and conversation metadata through GET)',
    async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(sentMessage, { minLength: 1, maxLength: 4 }),
          jsonObjectOf(storableString, storableKey, 3),
          async (messages, conversationMetadata) => {
            const id = `fuzz-rt-${randomUUID()}`;
            const created = await api(stack.baseUrl, 'PUT', `/v1/conversations/${id}`, {
              metadata: conversationMetadata,
            });
            if (created.status === 200) {
              const record = await api(stack.baseUrl, 'GET', `/v1/conversations/${id}`);
              expect(canonicalJson(record.body.metadata)).toBe(canonicalJson(conversationMetadata));
            } else {
              expect(answerProblem({ ...created, text: JSON.stringify(created.body) }, codes)).toBeNull();
              expect((await api(stack.baseUrl, 'PUT', `/v1/conversations/${id}`, {})).status).toBe(200);
            }

            const live = await streamsOpen(id);
            let acked: Delivery[];
            try {
              acked = await appendAll(id, messages);
              acknowledged.set(id, acked);
              expect(acked.map((a) => a.seq)).toEqual(acked.map((_, i) => i + 1));
              expectDelivered(
                'REST replay',
                await readPage(`/v1/conversations/${id}/messages?from=1&limit=1000`),
                acked,
              );
              expectDelivered('REST tail', await readPage(`/v1/conversations/${id}/tail?limit=1000`), acked);
              await expectStreamed('live', live, acked);
            } finally {
              streamsClose(live);
            }
            const catchingUp = await streamsOpen(id);
            try {
              await expectStreamed('catch-up', catchingUp, acked);
            } finally {
              streamsClose(catchingUp);
            }
          },
        ),
        // A store that refuses a row stalls its partition: every later run fails whatever its input, so shrinking
        // would end on an innocent message. The first failing run is the one to report.
        fuzzParameters({ endOnFailure: true }),
      );
      expect(tally.accepted).toBeGreaterThanOrEqual(tally.refused);
    },
    RUN_TIMEOUT_MS,
  );

  it(
    'through replay from seq 1 and a plain WebSocket catch-up once retention has moved all but the newest seq to the archive',
    async () => {
      const ids = [...acknowledged].filter(([, acked]) => acked.length > 0).map(([id]) => id);
      if (ids.length <= FUZZ_RUNS / 2) {
        throw new Error(
          `only ${ids.length} of ${FUZZ_RUNS} runs had an acknowledged append: nothing much to read back`,
        );
      }
      await eventually(
        `every conversation archived and trimmed to its newest ${RETAINED} row`,
        async () => {
          const rows = await conversationState(ids);
          return (
            rows.length === ids.length &&
            rows.every((r) => r.archivedSeq === acknowledged.get(r.id)!.length && r.rows <= RETAINED)
          );
        },
        60_000 + FUZZ_RUNS * 100,
        250,
      );
      for (let i = 0; i < ids.length; i += 20) {
        const batch = ids.slice(i, i + 20);
        const clients = await Promise.all(batch.map((id) => PlainStreamClient.open(realtime.baseUrl, id, 0)));
        try {
          for (const [j, id] of batch.entries()) {
            const expected = acknowledged.get(id)!;
            expectDelivered(
              'REST replay through the archive',
              await readPage(`/v1/conversations/${id}/messages?from=1&limit=1000`),
              expected,
            );
            await clients[j].waitForSeq(expected.at(-1)!.seq, STREAM_WAIT_MS);
            expectDelivered('plain WebSocket catch-up through the archive', fromFrames(clients[j].frames), expected);
          }
        } finally {
          clients.forEach((client) => client.close());
        }
      }
    },
    RUN_TIMEOUT_MS,
  );
});

describe('after the round trips', () => {
  it('no consumer is left behind: the projector and the archiver reach the end of every partition, lag 0', async () => {
    const { KAFKA_TOPIC: topic, PROJECTOR_GROUP_ID, ARCHIVER_GROUP_ID } = stack.env;
    await lagDrained({ service: stack.projector, group: PROJECTOR_GROUP_ID, topic, partitions: PARTITIONS });
    await lagDrained({ service: archiver, group: ARCHIVER_GROUP_ID, topic, partitions: 1 });
  }, 90_000);
});
