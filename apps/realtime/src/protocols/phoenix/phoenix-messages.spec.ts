import { EventEmitter } from 'node:events';
import { WsMessageHandler } from '@nestjs/common';
import { from, Observable } from 'rxjs';
import { ClientConnection } from '../../connections/client-connection';
import { ClientViolation, WsClient } from '../../websocket/realtime-gateway-options';
import { RealtimeWebSocket } from '../../websocket/realtime-web-socket';
import { ANY_OTHER_EVENT, bindPhoenixMessages, PhoenixAck, PhoenixReply } from './phoenix-messages';
import { PhoenixFrame } from './phoenix-protocol';

/** A handler as Nest hands it to the adapter: bound to the client, async, called with (frame, ack). */
function handler(
  message: string,
  callback: (frame: PhoenixFrame, ack: PhoenixAck) => unknown,
  isAckHandledManually = true,
): WsMessageHandler {
  return {
    message,
    isAckHandledManually,
    callback: async (frame: PhoenixFrame, ack: PhoenixAck) => callback(frame, ack),
  };
}

const transform = (result: unknown): Observable<unknown> => from(result as Promise<unknown>);

/** A socket and its connection, bound to the handlers: records what is sent, closed and refused. */
class FakeClient {
  readonly socket = new EventEmitter();
  readonly connection: ClientConnection;
  readonly sent: string[] = [];
  readonly closes: Array<[number, string]> = [];
  readonly violations: Array<[number, string]> = [];
  held: Promise<void> = Promise.resolve();

  constructor(handlers: WsMessageHandler[]) {
    const connection = {
      id: 'c1',
      protocol: 'phoenix',
      isOpen: true,
      send: (frame: string) => {
        this.sent.push(frame);
        return connection.isOpen;
      },
      close: (code: number, reason: string) => {
        this.closes.push([code, reason]);
        connection.isOpen = false;
      },
    };
    this.connection = connection as unknown as ClientConnection;
    Object.assign(this.socket, {
      handleInOrder: (handle: () => Promise<void>) => (this.held = this.held.then(handle)),
    });
    const violation: ClientViolation = (refused, code, reason) => {
      this.violations.push([code, reason]);
      refused.close(code, reason);
    };
    const client: WsClient = { socket: this.socket as RealtimeWebSocket, connection: this.connection };
    bindPhoenixMessages(client, handlers, transform, violation);
  }

  receive(data: string | Buffer, isBinary = false): void {
    this.socket.emit('message', Buffer.from(data), isBinary);
  }

  /** Waits until every frame received so far is handled. */
  async handled(): Promise<void> {
    await this.held;
  }
}

const heartbeat = '[null,"1","phoenix","heartbeat",{}]';

describe('bindPhoenixMessages', () => {
  it('calls the handler of the frame event with the frame; its ack replies with the frame refs', async () => {
    const seen: PhoenixFrame[] = [];
    const fake = new FakeClient([
      handler('heartbeat', (frame, ack) => {
        seen.push(frame);
        ack('ok');
      }),
    ]);
    fake.receive(heartbeat);
    await fake.handled();
    expect(seen).toEqual([{ joinRef: null, ref: '1', topic: 'phoenix', event: 'heartbeat', payload: {} }]);
    expect(fake.sent).toEqual(['[null,"1","phoenix","phx_reply",{"status":"ok","response":{}}]']);
  });

  it('sends the PhoenixReply a handler without @Ack returns, and nothing when it returns none', async () => {
    const fake = new FakeClient([
      handler('heartbeat', (): PhoenixReply => ({ status: 'error', response: { reason: 'x' } }), false),
      handler('phx_leave', () => undefined, false),
    ]);
    fake.receive(heartbeat);
    fake.receive('["1","2","t","phx_leave",{}]');
    await fake.handled();
    expect(fake.sent).toEqual(['[null,"1","phoenix","phx_reply",{"status":"error","response":{"reason":"x"}}]']);
  });

  it(`hands an event no handler names to the ${ANY_OTHER_EVENT} handler`, async () => {
    const events: string[] = [];
    const fake = new FakeClient([
      handler('phx_join', () => events.push('join')),
      handler(ANY_OTHER_EVENT, (frame) => events.push(`other:${frame.event}`)),
    ]);
    fake.receive('["1","1","t","new_msg",{}]');
    fake.receive('["1","2","t","phx_join",{}]');
    await fake.handled();
    expect(events).toEqual(['other:new_msg', 'join']);
  });

  it('closes with 1008 at a frame that is not Phoenix v2 JSON, dropping the frames after it', async () => {
    const events: string[] = [];
    const fake = new FakeClient([handler('heartbeat', () => events.push('heartbeat'))]);
    fake.receive(heartbeat);
    fake.receive('{"topic":"phoenix"}');
    fake.receive(heartbeat);
    await fake.handled();
    expect(events).toEqual(['heartbeat']);
    expect(fake.violations).toEqual([[1008, 'invalid_frame']]);
  });

  it('closes with 1003 at a binary frame', async () => {
    const fake = new FakeClient([]);
    fake.receive(Buffer.from([1, 2]), true);
    await fake.handled();
    expect(fake.violations).toEqual([[1003, 'binary_frame']]);
  });

  it('closes with 1011 when handling a frame fails outside the handler filters', async () => {
    const fake = new FakeClient([
      {
        message: 'heartbeat',
        isAckHandledManually: true,
        callback: () => Promise.reject(new Error('bug')),
      },
    ]);
    fake.receive(heartbeat);
    await fake.handled();
    expect(fake.closes).toEqual([[1011, 'internal_error']]);
  });
});
