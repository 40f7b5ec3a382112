import WebSocket from 'ws';
import { eventually } from '../../support/service-process';
import { appendedEvent, EventFeed } from './event-feed';
import { PhoenixClient } from './phoenix-client';
import { ProjectionRows } from './projection-rows';
import { PlainStreamClient, range, SseClient } from './stream-clients';

/**
 * One conversation followed from a cursor over every protocol (plain WebSocket,
 * a Phoenix channel, SSE) by subscribers that connect before any hostile client:
 * whatever other clients send, these keep receiving every seq, in order, once.
 */
export class WatchedConversation {
  private constructor(
    readonly id: string,
    private head: number,
    private readonly feed: EventFeed,
    private readonly rows: ProjectionRows,
    readonly plain: PlainStreamClient,
    readonly phoenix: PhoenixClient,
    readonly sse: SseClient,
  ) {}

  /** Projects `history` seqs, then subscribes from cursor 0 and waits until every subscriber has them. */
  static async open(
    baseUrl: string,
    id: string,
    feed: EventFeed,
    rows: ProjectionRows,
    history = 3,
  ): Promise<WatchedConversation> {
    await rows.project(...range(1, history).map((seq) => appendedEvent(id, seq)));
    const plain = await PlainStreamClient.open(baseUrl, id, 0);
    const phoenix = await PhoenixClient.open(baseUrl);
    expect(await phoenix.join(`conversation:${id}`, { cursor: 0 })).toEqual({ status: 'ok', response: {} });
    const sse = await SseClient.open(`${baseUrl}/v1/conversations/${id}/events?cursor=0`);
    const watched = new WatchedConversation(id, history, feed, rows, plain, phoenix, sse);
    await watched.expectEveryoneHas(history);
    return watched;
  }

  get topic(): string {
    return `conversation:${this.id}`;
  }

  /** Appends the next seq the way the system does (the topic, then the projection); resolves with it. */
  async appendNext(): Promise<number> {
    this.head += 1;
    const seq = this.head;
    const event = appendedEvent(this.id, seq);
    await this.feed.send(event);
    await this.rows.project(event);
    return seq;
  }

  /** Every subscriber got exactly seqs 1..seq, and its connection is still open. */
  async expectEveryoneHas(seq: number, timeoutMs = 20_000): Promise<void> {
    await eventually(
      `seq ${seq} on every subscriber (plain ${this.plain.lastSeq}, phoenix ${this.phoenix.seqs(this.topic).at(-1)}, sse ${this.sse.seqs.at(-1)})`,
      async () =>
        this.plain.seqs.includes(seq) && this.phoenix.seqs(this.topic).includes(seq) && this.sse.seqs.includes(seq),
      timeoutMs,
      20,
    );
    expect(this.plain.seqs).toEqual(range(1, seq));
    expect(this.phoenix.seqs(this.topic)).toEqual(range(1, seq));
    expect(this.sse.seqs).toEqual(range(1, seq));
    expect(this.plain.ws.readyState).toBe(WebSocket.OPEN);
    expect(this.phoenix.probe.ws.readyState).toBe(WebSocket.OPEN);
  }

  close(): void {
    this.plain.close();
    this.phoenix.probe.ws.close();
    this.sse.close();
  }
}

/** The sum of `threadline_uncaught_errors_total` over its kinds, as `/metrics` reports it. */
export async function uncaughtErrors(baseUrl: string): Promise<number> {
  const text = await (await fetch(`${baseUrl}/metrics`)).text();
  const values = [...text.matchAll(/^threadline_uncaught_errors_total\{[^}]*\} (\d+)$/gm)].map((m) => Number(m[1]));
  if (values.length === 0) {
    throw new Error('threadline_uncaught_errors_total is not exported');
  }
  return values.reduce((sum, value) => sum + value, 0);
}

/** The process is up and ready, and no error reached it (the safety net counted none). */
export async function expectServing(baseUrl: string): Promise<void> {
  const ready = await fetch(`${baseUrl}/health/ready`);
  expect(ready.status).toBe(200);
  expect(await uncaughtErrors(baseUrl)).toBe(0);
}
