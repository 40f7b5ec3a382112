import { Logger } from '@nestjs/common';
import { Ack, ConnectedSocket, MessageBody, OnGatewayConnection, SubscribeMessage } from '@nestjs/websockets';
import { Principal } from '@threadline/auth';
import { ClientConnection } from '../../connections/client-connection';
import { Admitted } from '../../websocket/realtime-gateway-options';
import { serveConnection } from '../../websocket/serve-connection';
import { PhoenixChannels } from './phoenix-channels';
import { ANY_OTHER_EVENT, PhoenixAck } from './phoenix-messages';
import { PhoenixEvent, PhoenixFrame } from './phoenix-protocol';

/**
 * One Phoenix socket: what a join of one of its topics does is its own; heartbeats, leaves and
 * events no channel serves its channels answer as every socket does (PhoenixChannels).
 */
export interface PhoenixSocketSession {
  readonly channels: PhoenixChannels;
  join(frame: PhoenixFrame, ack: PhoenixAck): void;
}

/**
 * What every Phoenix endpoint's gateway does alike: one session per connection,
 * and the `heartbeat`, `phx_join`, `phx_leave` and any-other-event handlers that
 * hand each decoded frame and its `phx_reply` ack to it. An endpoint says which
 * session serves its topics (PhoenixGateway, SessionSocketGateway).
 */
export abstract class PhoenixSocketGateway<
  Session extends PhoenixSocketSession,
> implements OnGatewayConnection<ClientConnection> {
  private readonly sessions = new WeakMap<ClientConnection, Session>();

  protected constructor(private readonly logger: Logger) {}

  /** The session that serves one newly admitted connection's topics. */
  protected abstract openSession(connection: ClientConnection, principal: Principal): Session;

  handleConnection(connection: ClientConnection, { principal }: Admitted<undefined>): void {
    serveConnection(connection, this.logger, () =>
      this.sessions.set(connection, this.openSession(connection, principal)),
    );
  }

  @SubscribeMessage(PhoenixEvent.Heartbeat)
  heartbeat(
    @ConnectedSocket() connection: ClientConnection,
    @MessageBody() frame: PhoenixFrame,
    @Ack() ack: PhoenixAck,
  ): void {
    this.session(connection).channels.heartbeat(frame, ack);
  }

  @SubscribeMessage(PhoenixEvent.Join)
  join(
    @ConnectedSocket() connection: ClientConnection,
    @MessageBody() frame: PhoenixFrame,
    @Ack() ack: PhoenixAck,
  ): void {
    this.session(connection).join(frame, ack);
  }

  @SubscribeMessage(PhoenixEvent.Leave)
  leave(
    @ConnectedSocket() connection: ClientConnection,
    @MessageBody() frame: PhoenixFrame,
    @Ack() ack: PhoenixAck,
  ): void {
    this.session(connection).channels.leave(frame, ack);
  }

  @SubscribeMessage(ANY_OTHER_EVENT)
  unhandled(
    @ConnectedSocket() connection: ClientConnection,
    @MessageBody() frame: PhoenixFrame,
    @Ack() ack: PhoenixAck,
  ): void {
    this.session(connection).channels.unhandled(frame, ack);
  }

  private session(connection: ClientConnection): Session {
    const session = this.sessions.get(connection);
    if (!session) {
      throw new Error(`connection ${connection.id} has no Phoenix session`);
    }
    return session;
  }
}
