import { Channel, Socket } from 'phoenix';
import WebSocket from 'ws';

export interface PhoenixPush {
  event: string;
  payload: Record<string, unknown>;
}

/** A Phoenix JS client socket (the FleetLM client), heartbeating every 400 ms; `opens` counts (re)connections. */
export function phoenixSocket(baseUrl: string): { socket: Socket; opens: () => number } {
  let opens = 0;
  const socket = new Socket(`${baseUrl.replace(/^http/, 'ws')}/socket`, {
    transport: WebSocket,
    heartbeatIntervalMs: 400,
    reconnectAfterMs: () => 200,
    rejoinAfterMs: () => 200,
  });
  socket.onOpen(() => {
    opens += 1;
  });
  socket.connect();
  return { socket, opens: () => opens };
}

/** Joins a channel and records every push; rejects with the error reply. */
export function joinChannel(
  socket: Socket,
  topic: string,
  params: object,
): Promise<{ channel: Channel; pushes: PhoenixPush[] }> {
  const channel = socket.channel(topic, params);
  const pushes: PhoenixPush[] = [];
  for (const event of ['message', 'gap', 'tombstone']) {
    channel.on(event, (payload: Record<string, unknown>) => {
      pushes.push({ event, payload });
    });
  }
  return new Promise((resolve, reject) => {
    channel
      .join()
      .receive('ok', () => resolve({ channel, pushes }))
      .receive('error', (response: Record<string, unknown>) => {
        channel.leave();
        reject(Object.assign(new Error(`join refused: ${JSON.stringify(response)}`), { response }));
      })
      .receive('timeout', () => reject(new Error(`join of ${topic} timed out`)));
  });
}

/** Leaves a channel and waits for the server's ok. */
export function leaveChannel(channel: Channel): Promise<void> {
  return new Promise<void>((resolve) => channel.leave().receive('ok', () => resolve()));
}

export const pushSeqs = (pushes: PhoenixPush[]) =>
  pushes.filter((p) => p.payload.seq !== undefined).map((p) => p.payload.seq as number);
