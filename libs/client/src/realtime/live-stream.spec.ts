import { LogEntry, Message, Page } from '../types';
import { LiveStream, LiveStreamDeps } from './live-stream';
import { WebSocketLike } from './websocket-like';

/** A WebSocket the test drives: it records the URLs opened and lets the test send frames and close it. */
class FakeSocket implements WebSocketLike {
  static opened: FakeSocket[] = [];
  readyState = 1;
  onopen: ((event: unknown) => void) | null = null;
  onmessage: ((event: { data: unknown }) => void) | null = null;
  onclose: ((event: { code: number; reason: string }) => void) | null = null;
  onerror: ((event: unknown) => void) | null = null;

  constructor(readonly url: string) {
    FakeSocket.opened.push(this);
    queueMicrotask(() => this.onopen?.({}));
  }

  send(frame: object): void {
    this.onmessage?.({ data: JSON.stringify(frame) });
  }

  close(code = 1000): void {
    this.readyState = 3;
    this.onclose?.({ code, reason: '' });
  }
}

const entry = (seq: number): LogEntry => ({
  kind: 'message',
  seq,
  version: seq,
  role: 'user',
  parts: [{ type: 'text', text: `m${seq}` }],
  metadata: {},
  token_count: 1,
  actor: 'user:ada',
  producer_id: null,
  producer_seq: null,
  inserted_at: '2026-12-01T00:00:00.000Z',
});

const frame = (seq: number) => ({
  type: 'message',
  seq,
  version: seq,
  message: { role: 'user', parts: [{ type: 'text', text: `m${seq}` }], metadata: {}, token_count: 1 },
  inserted_at: '2026-12-01T00:00:00.000Z',
});

/** The log the fake REST replay reads: seqs 1..head. */
function deps(head: () => number, replays: number[][], refreshesToken = false): LiveStreamDeps {
  let tokens = 0;
  return {
    WebSocket: FakeSocket,
    streamUrl: async (cursor) => `ws://realtime/stream?cursor=${cursor}&access_token=t${(tokens += 1)}`,
    replay: async (from, limit): Promise<Page> => {
      const seqs = Array.from({ length: Math.max(0, Math.min(limit, head() - from + 1)) }, (_, i) => from + i);
      replays.push(seqs);
      return { messages: seqs.map(entry), next_cursor: from + seqs.length, consistency: 'strong' };
    },
    check: async () => undefined,
    refreshesToken,
  };
}

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !condition(); i += 1) {
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  expect(condition()).toBe(true);
}

beforeEach(() => {
  FakeSocket.opened = [];
});

it('replays the seqs a gap frame reports over REST before anything later, then goes on live', async () => {
  const delivered: number[] = [];
  const replays: number[][] = [];
  const stream = new LiveStream(
    0,
    deps(() => 5, replays),
    { onMessage: (m: Message) => void delivered.push(m.seq) },
  );
  await until(() => FakeSocket.opened.length === 1);
  const socket = FakeSocket.opened[0];
  socket.send(frame(1));
  socket.send({ type: 'gap', expected: 2, actual: 5 });
  socket.send(frame(5));
  socket.send(frame(6));
  await until(() => delivered.length === 6);
  expect(delivered).toEqual([1, 2, 3, 4, 5, 6]);
  expect(replays).toEqual([[2, 3, 4]]);
  stream.close();
  await stream.done;
});

it('drops frames it already delivered and fills a seq that skipped ahead from REST', async () => {
  const delivered: number[] = [];
  const replays: number[][] = [];
  const stream = new LiveStream(
    2,
    deps(() => 10, replays),
    { onMessage: (m: Message) => void delivered.push(m.seq) },
  );
  await until(() => FakeSocket.opened.length === 1);
  const socket = FakeSocket.opened[0];
  expect(socket.url).toBe('ws://realtime/stream?cursor=2&access_token=t1');
  for (const seq of [2, 3, 3, 6, 4, 7]) {
    socket.send(frame(seq));
  }
  await until(() => delivered.length === 5);
  expect(delivered).toEqual([3, 4, 5, 6, 7]);
  expect(replays).toEqual([[4, 5]]);
  stream.close();
  await stream.done;
});

it('reconnects from the last seq delivered when the connection drops, and stops on conversation deletion', async () => {
  const delivered: number[] = [];
  let deletedAfter = -1;
  const stream = new LiveStream(
    0,
    deps(() => 0, []),
    {
      onMessage: (m: Message) => void delivered.push(m.seq),
      onDeleted: (lastSeq) => {
        deletedAfter = lastSeq;
      },
    },
  );
  await until(() => FakeSocket.opened.length === 1);
  FakeSocket.opened[0].send(frame(1));
  FakeSocket.opened[0].send(frame(2));
  FakeSocket.opened[0].close(1012);
  await until(() => FakeSocket.opened.length === 2);
  expect(FakeSocket.opened[1].url).toBe('ws://realtime/stream?cursor=2&access_token=t2');
  FakeSocket.opened[1].send(frame(2));
  FakeSocket.opened[1].send(frame(3));
  FakeSocket.opened[1].send({ type: 'conversation_deleted', last_seq: 3 });
  FakeSocket.opened[1].close(4410);
  await stream.done;
  expect(delivered).toEqual([1, 2, 3]);
  expect(deletedAfter).toBe(3);
  expect(FakeSocket.opened).toHaveLength(2);
});

it('reconnects with a fresh token after a 4001 close when tokens are refreshed, and ends with UnauthorizedError when not', async () => {
  const delivered: number[] = [];
  const refreshing = new LiveStream(
    0,
    deps(() => 0, [], true),
    { onMessage: (m: Message) => void delivered.push(m.seq) },
  );
  await until(() => FakeSocket.opened.length === 1);
  FakeSocket.opened[0].send(frame(1));
  FakeSocket.opened[0].close(4001);
  await until(() => FakeSocket.opened.length === 2);
  expect(FakeSocket.opened[1].url).toBe('ws://realtime/stream?cursor=1&access_token=t2');
  refreshing.close();
  await refreshing.done;

  const fixed = new LiveStream(
    0,
    deps(() => 0, []),
    { onMessage: (m: Message) => void delivered.push(m.seq) },
  );
  await until(() => FakeSocket.opened.length === 3);
  let ended: unknown = null;
  fixed.done.catch((error: unknown) => {
    ended = error;
  });
  FakeSocket.opened[2].close(4001);
  await until(() => ended !== null);
  expect(ended).toMatchObject({ name: 'UnauthorizedError', code: 'token_expired' });
  expect(FakeSocket.opened).toHaveLength(3);
});
