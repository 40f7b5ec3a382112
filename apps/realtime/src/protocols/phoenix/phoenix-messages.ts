import { Logger, WsMessageHandler } from '@nestjs/common';
import { lastValueFrom, Observable } from 'rxjs';
import { CloseCode, CloseReason } from '../../connections/close-codes';
import { ClientViolation, MessageBinding, WsClient } from '../../websocket/realtime-gateway-options';
import { decodeFrame, encodeFrame, PhoenixFrame, replyFrame } from './phoenix-protocol';

/** The answer to a client push, sent as `phx_reply` with the push's refs. */
export interface PhoenixReply {
  status: 'ok' | 'error';
  response?: Record<string, unknown>;
}

/** A Phoenix handler's @Ack() callback: sends the reply to its push; false once the socket cannot take it. */
export type PhoenixAck = (status: PhoenixReply['status'], response?: Record<string, unknown>) => boolean;

/** The @SubscribeMessage key of the handler that takes every event no other handler names. */
export const ANY_OTHER_EVENT = '*';

/**
 * Phoenix's `[join_ref, ref, topic, event, payload]` text frames to the gateway's
 * @SubscribeMessage handlers, by event, one at a time in the order received.
 * A handler is called with the frame and an ack that replies to it; a handler that
 * does not take the ack (@Ack()) has the PhoenixReply it returns sent. A binary frame
 * closes the socket with 1003, a text frame that is not a v2 frame with 1008; once
 * the socket is closing, frames still in flight are dropped.
 */
export const bindPhoenixMessages: MessageBinding = (client, handlers, transform, violation) => {
  const dispatcher = new PhoenixDispatcher(client, handlers, transform, violation);
  // ws hands over a whole message as one Buffer (binaryType 'nodebuffer', the default), fragments joined.
  client.socket.on('message', (data: Buffer, isBinary: boolean) => dispatcher.receive(data, isBinary));
};

class PhoenixDispatcher {
  private readonly logger = new Logger('PhoenixMessages');
  private readonly handlers: Map<string, WsMessageHandler>;

  constructor(
    private readonly client: WsClient,
    handlers: WsMessageHandler[],
    private readonly transform: (result: unknown) => Observable<unknown>,
    private readonly violation: ClientViolation,
  ) {
    this.handlers = new Map(handlers.map((handler) => [handler.message, handler]));
  }

  receive(data: Buffer, isBinary: boolean): void {
    if (!this.client.connection.isOpen) {
      return;
    }
    this.client.socket.handleInOrder(() => this.handle(data, isBinary));
  }

  private async handle(data: Buffer, isBinary: boolean): Promise<void> {
    const { connection } = this.client;
    if (!connection.isOpen) {
      return;
    }
    try {
      if (isBinary) {
        // Phoenix's binary frames carry binary payloads, which no channel here takes.
        this.violation(connection, CloseCode.UnsupportedData, CloseReason.BinaryFrame, 'a binary frame');
        return;
      }
      const text = data.toString('utf8');
      const frame = decodeFrame(text);
      if (!frame) {
        this.violation(
          connection,
          CloseCode.PolicyViolation,
          CloseReason.InvalidFrame,
          `not Phoenix v2 JSON: ${text.slice(0, 100)}`,
        );
        return;
      }
      const handler = this.handlers.get(frame.event) ?? this.handlers.get(ANY_OTHER_EVENT);
      if (handler) {
        await this.invoke(handler, frame);
      }
    } catch (error) {
      this.logger.error(`connection ${connection.id} (phoenix): ${(error as Error).stack ?? String(error)}`);
      connection.close(CloseCode.StreamFailed, CloseReason.InternalError);
    }
  }

  private async invoke(handler: WsMessageHandler, frame: PhoenixFrame): Promise<void> {
    const ack: PhoenixAck = (status, response = {}) =>
      this.client.connection.send(encodeFrame(replyFrame(frame, status, response)));
    const result = handler.callback(frame, ack);
    if (handler.isAckHandledManually) {
      await result;
      return;
    }
    const reply = (await lastValueFrom(this.transform(result), { defaultValue: undefined })) as
      PhoenixReply | null | undefined;
    if (reply) {
      ack(reply.status, reply.response);
    }
  }
}
