import { eventually } from '../../support/service-process';
import { WebSocketProbe } from './websocket-probe';

/** `[join_ref, ref, topic, event, payload]`, as the server sends them (Phoenix JSON serializer v2). */
export type PhoenixMessage = [string | null, string | null, string, string, Record<string, unknown>];

export const PHOENIX_PATH = '/socket/websocket?vsn=2.0.0';

/** A Phoenix socket spoken frame by frame, so a test controls exactly what is sent. */
export class PhoenixClient {
  private nextRef = 0;

  constructor(readonly probe: WebSocketProbe) {}

  static async open(baseUrl: string): Promise<PhoenixClient> {
    return new PhoenixClient(await WebSocketProbe.open(`${baseUrl.replace(/^http/, 'ws')}${PHOENIX_PATH}`));
  }

  get messages(): PhoenixMessage[] {
    return this.probe.texts.map((text) => JSON.parse(text) as PhoenixMessage);
  }

  /** The replies, in the order the server sent them. */
  get replies(): PhoenixMessage[] {
    return this.messages.filter((m) => m[3] === 'phx_reply');
  }

  /** Seqs of the `message` pushes on `topic`, in arrival order. */
  seqs(topic: string): number[] {
    return this.messages.filter((m) => m[2] === topic && m[3] === 'message').map((m) => m[4].seq as number);
  }

  ref(): string {
    this.nextRef += 1;
    return String(this.nextRef);
  }

  send(frame: unknown): void {
    this.probe.ws.send(JSON.stringify(frame));
  }

  /** Pushes an event and waits for its reply's payload, `{status, response}`. */
  async push(topic: string, event: string, payload: unknown, joinRef: string | null = null): Promise<unknown> {
    const ref = this.ref();
    this.send([joinRef, ref, topic, event, payload]);
    const reply = await eventually(
      `the reply to ${event} ${ref}`,
      async () => this.replies.find((m) => m[1] === ref),
      10_000,
      10,
    );
    return reply[4];
  }

  /** Joins `topic` with `params`; the reply payload. */
  join(topic: string, params: unknown): Promise<unknown> {
    const ref = String(this.nextRef + 1);
    return this.push(topic, 'phx_join', params, ref);
  }

  async waitForSeq(topic: string, seq: number, timeoutMs = 20_000): Promise<void> {
    await eventually(`seq ${seq} on ${topic}`, async () => this.seqs(topic).includes(seq), timeoutMs, 20);
  }
}
