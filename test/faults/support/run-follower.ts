import { setTimeout as sleep } from 'node:timers/promises';
import WebSocket from 'ws';

/** What a follower kept of one frame. */
export type FollowedFrame =
  | { type: 'run_event'; runSeq: number; delta: string }
  | { type: 'run_status'; status: string }
  | { type: 'message'; seq: number; runId: string | null };

interface WireFrame {
  type: string;
  run_id?: string;
  run_seq?: number;
  delta?: string;
  status?: string;
  seq?: number;
  message?: { metadata?: { run?: { id?: string } } };
}

/**
 * A plain WebSocket client of one conversation that follows one run across
 * disconnects, as a client of the streaming API must: it reconnects to the next
 * realtime instance with its message cursor and its run cursor
 * (`run_cursors=<run>:<last run_seq>`), so it should see every event of the run
 * once, in order, then the run's status and its committed message.
 */
export class RunFollower {
  readonly frames: FollowedFrame[] = [];
  connections = 0;
  private running = true;
  private closeCurrent: () => void = () => undefined;
  private readonly loop: Promise<void>;

  constructor(
    private readonly realtimeUrls: string[],
    readonly conversationId: string,
    readonly runId: string,
  ) {
    this.loop = this.run();
  }

  get lastRunSeq(): number {
    const events = this.frames.filter((f) => f.type === 'run_event');
    return events.length === 0 ? 0 : events[events.length - 1].runSeq;
  }

  get cursor(): number {
    const messages = this.frames.filter((f) => f.type === 'message');
    return messages.length === 0 ? 0 : messages[messages.length - 1].seq;
  }

  async stop(): Promise<void> {
    this.running = false;
    this.closeCurrent();
    await this.loop;
  }

  /**
   * The violations of what it saw: the run's events must be exactly `deltas`, once and in order, then its
   * status `committed`, then exactly one message of the run, at `messageSeq`.
   */
  violations(deltas: string[], messageSeq: number): string[] {
    const found: string[] = [];
    const events = this.frames.filter((f) => f.type === 'run_event');
    const seqs = events.map((f) => f.runSeq);
    const wrong = seqs.findIndex((seq, i) => seq !== i + 1);
    if (wrong >= 0) {
      found.push(
        `run_seq ${seqs[wrong]} at position ${wrong + 1} (seen ${seqs.slice(Math.max(0, wrong - 3), wrong + 3).join(',')})`,
      );
    }
    if (events.length !== deltas.length) {
      found.push(`${events.length} run events seen, the run holds ${deltas.length}`);
    }
    const differs = events.findIndex((f, i) => f.delta !== deltas[i]);
    if (differs >= 0) {
      found.push(
        `run_seq ${differs + 1} carried ${JSON.stringify(events[differs].delta)}, the writer sent ${JSON.stringify(deltas[differs])}`,
      );
    }
    const lastEvent = this.frames.lastIndexOf(events[events.length - 1]);
    const status = this.frames.findIndex((f) => f.type === 'run_status' && f.status === 'committed');
    const messages = this.frames.filter((f) => f.type === 'message' && f.runId === this.runId);
    const message = this.frames.findIndex((f) => f.type === 'message' && f.runId === this.runId);
    if (status < 0 || status < lastEvent) {
      found.push(`run_status committed ${status < 0 ? 'never seen' : 'seen before the last run event'}`);
    }
    if (messages.length !== 1 || (messages[0].type === 'message' && messages[0].seq !== messageSeq)) {
      found.push(`${messages.length} committed messages of the run seen (want 1, at seq ${messageSeq})`);
    } else if (message < status) {
      found.push('the committed message came before run_status committed');
    }
    return found;
  }

  private async run(): Promise<void> {
    for (let attempt = 0; this.running; attempt += 1) {
      this.connections += 1;
      await this.read(this.realtimeUrls[attempt % this.realtimeUrls.length]).catch(() => undefined);
      if (this.running) {
        await sleep(200);
      }
    }
  }

  private read(base: string): Promise<void> {
    return new Promise((resolve) => {
      const query = `cursor=${this.cursor}&run_cursors=${this.runId}:${this.lastRunSeq}`;
      const ws = new WebSocket(
        `${base.replace(/^http/, 'ws')}/v1/conversations/${this.conversationId}/stream?${query}`,
      );
      this.closeCurrent = () => ws.terminate();
      ws.on('message', (data: Buffer) => this.keep(JSON.parse(data.toString()) as WireFrame));
      ws.on('error', () => undefined);
      ws.on('close', () => resolve());
    });
  }

  private keep(frame: WireFrame): void {
    if (frame.type === 'run_event' && frame.run_id === this.runId && typeof frame.run_seq === 'number') {
      this.frames.push({ type: 'run_event', runSeq: frame.run_seq, delta: frame.delta ?? '' });
    } else if (frame.type === 'run_status' && frame.run_id === this.runId) {
      this.frames.push({ type: 'run_status', status: frame.status ?? '' });
    } else if (frame.type === 'message' && typeof frame.seq === 'number') {
      this.frames.push({ type: 'message', seq: frame.seq, runId: frame.message?.metadata?.run?.id ?? null });
    }
  }
}
