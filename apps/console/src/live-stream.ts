import { storedCredential } from './session';

/** The frames of realtime's plain WebSocket stream (docs/api.md, "Streaming"). */
export type StreamFrame =
  | {
      type: 'message';
      seq: number;
      version: number;
      message: {
        role: string;
        parts: Array<{ type: string; [field: string]: unknown }>;
        metadata: Record<string, unknown>;
      };
      inserted_at?: string;
      actor?: string | null;
    }
  | { type: 'tombstone'; seq: number; reason: string }
  | { type: 'gap'; expected: number; actual: number }
  | { type: 'conversation_deleted'; last_seq: number }
  | { type: 'run_event'; run_id: string; run_seq: number; kind: string; [field: string]: unknown }
  | {
      type: 'run_status';
      run_id: string;
      status: 'committed' | 'failed' | 'cancelled';
      reason: string | null;
      last_run_seq: number;
    };

export type ConnectionState = 'connecting' | 'live' | 'reconnecting' | 'ended';

const RECONNECT_DELAY_MS = 1000;

/**
 * Follows one conversation over `ws(s)://realtime/v1/conversations/{id}/stream` with the signed-in credential in
 * `?access_token=` (a browser's WebSocket cannot send headers). Reconnects from the last seq it handed on, so a
 * dropped connection loses nothing; run events are re-sent from run_seq 1 then, and the timeline skips those it has.
 */
export class LiveStream {
  private socket: WebSocket | null = null;
  private cursor: number;
  private stopped = false;
  private retry: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly base: string,
    private readonly conversationId: string,
    fromSeq: number,
    private readonly onFrame: (frame: StreamFrame) => void,
    private readonly onState: (state: ConnectionState) => void,
  ) {
    this.cursor = fromSeq;
    this.open('connecting');
  }

  close(): void {
    this.stopped = true;
    clearTimeout(this.retry);
    this.socket?.close();
  }

  private open(state: ConnectionState): void {
    this.onState(state);
    const params = new URLSearchParams({ cursor: String(this.cursor), access_token: storedCredential() ?? '' });
    const url = `${this.base}/v1/conversations/${encodeURIComponent(this.conversationId)}/stream?${params.toString()}`;
    const socket = new WebSocket(url);
    this.socket = socket;
    socket.onopen = () => this.onState('live');
    socket.onmessage = (event: MessageEvent<string>) => this.receive(JSON.parse(event.data) as StreamFrame);
    socket.onclose = () => {
      if (this.stopped) {
        return;
      }
      this.onState('reconnecting');
      this.retry = setTimeout(() => this.open('reconnecting'), RECONNECT_DELAY_MS);
    };
  }

  private receive(frame: StreamFrame): void {
    if (frame.type === 'message' || frame.type === 'tombstone') {
      this.cursor = Math.max(this.cursor, frame.seq);
    }
    if (frame.type === 'conversation_deleted') {
      this.stopped = true;
      this.onState('ended');
    }
    this.onFrame(frame);
  }
}
