import { Channel, Socket } from 'phoenix';
import WebSocket from 'ws';

/** What a channel pushed for one event (`message`, `tombstone`, `gap`). */
export interface ChannelPush {
  event: string;
  payload: { seq?: number; message?: Record<string, unknown>; [field: string]: unknown };
}

/** One Phoenix socket (the `phoenix` npm client over `ws`) joining `conversation:{id}` channels. */
export class PhoenixChannels {
  private readonly socket: Socket;

  constructor(realtimeBaseUrl: string) {
    this.socket = new Socket(`${realtimeBaseUrl.replace(/^http/, 'ws')}/socket`, {
      transport: WebSocket,
      reconnectAfterMs: () => 200,
      rejoinAfterMs: () => 200,
    });
    this.socket.connect();
  }

  /** Joins with `{cursor}` and records every push; rejects with the error reply. */
  join(conversationId: string, cursor: number): Promise<JoinedChannel> {
    const channel = this.socket.channel(`conversation:${conversationId}`, { cursor });
    const pushes: ChannelPush[] = [];
    for (const event of ['message', 'tombstone', 'gap']) {
      channel.on(event, (payload: ChannelPush['payload']) => {
        pushes.push({ event, payload });
      });
    }
    return new Promise((resolve, reject) => {
      channel
        .join()
        .receive('ok', () => resolve(new JoinedChannel(channel, pushes)))
        .receive('error', (response: unknown) => reject(new Error(`join refused: ${JSON.stringify(response)}`)))
        .receive('timeout', () => reject(new Error(`join of conversation:${conversationId} timed out`)));
    });
  }

  disconnect(): void {
    this.socket.disconnect();
  }
}

export class JoinedChannel {
  constructor(
    private readonly channel: Channel,
    readonly pushes: ChannelPush[],
  ) {}

  get seqs(): number[] {
    return this.pushes.flatMap((p) => (p.payload.seq === undefined ? [] : [p.payload.seq]));
  }

  leave(): void {
    this.channel.leave();
  }
}
