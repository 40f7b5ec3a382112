import { setTimeout as sleep } from 'node:timers/promises';
import { AddressInfo } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';
import { RealtimeWebSocket } from './realtime-web-socket';

const tick = () => sleep(5);

describe('RealtimeWebSocket', () => {
  let server: WebSocketServer;

  beforeEach(async () => {
    server = new WebSocketServer({ port: 0, host: '127.0.0.1', WebSocket: RealtimeWebSocket });
    await new Promise((resolve) => server.once('listening', resolve));
  });

  afterEach(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  /** A connected pair: the server's socket, and the close code the client gets. */
  async function connect(): Promise<{ socket: RealtimeWebSocket; closeCode: Promise<number> }> {
    const accepted = new Promise<RealtimeWebSocket>((resolve) =>
      server.once('connection', (socket: RealtimeWebSocket) => resolve(socket)),
    );
    const client = new WebSocket(`ws://127.0.0.1:${(server.address() as AddressInfo).port}`);
    const closeCode = new Promise<number>((resolve) => client.once('close', (code) => resolve(code)));
    return { socket: await accepted, closeCode };
  }

  it('handles messages one at a time in the order received, a slow one holding back the next', async () => {
    const { socket } = await connect();
    const events: string[] = [];
    socket.handleInOrder(async () => {
      await tick();
      events.push('slow');
    });
    socket.handleInOrder(() => {
      events.push('fast');
      return Promise.resolve();
    });
    await tick();
    await tick();
    expect(events).toEqual(['slow', 'fast']);
    socket.terminate();
  });

  it('puts a close asked for from elsewhere after the messages received before it, whose own close wins', async () => {
    const { socket, closeCode } = await connect();
    socket.handleInOrder(async () => {
      await Promise.resolve();
      socket.close(1008, 'invalid_frame');
    });
    socket.close(1007);
    expect(socket.readyState).toBe(WebSocket.OPEN);
    expect(await closeCode).toBe(1008);
  });

  it('closes at once when no message waits', async () => {
    const { socket, closeCode } = await connect();
    socket.close(4408, 'slow_consumer');
    expect(socket.readyState).toBe(WebSocket.CLOSING);
    expect(await closeCode).toBe(4408);
  });
});
