import { ClientProtocol } from '../metrics/realtime-metrics';

/**
 * One client's outbound channel, whatever the transport. `send` never waits:
 * it queues the frame, and a client whose unread bytes pass the limit is closed
 * as a slow consumer (4408) instead of slowing anyone else down.
 */
export interface ClientConnection {
  /** Names the connection in logs (the request id for SSE, a random UUID for WebSockets). */
  readonly id: string;
  readonly protocol: ClientProtocol;
  /** False once closing or closed. */
  readonly isOpen: boolean;
  /** Queues one frame; false if the connection is (now) closed. */
  send(frame: string): boolean;
  /**
   * Resolves when the client has read enough that more can be queued (under half
   * the limit), or the connection is gone. Catch-up awaits it between entries so a
   * long history is paced by the client's reads instead of tripping the limit.
   */
  whenWritable(): Promise<void>;
  close(code: number, reason: string): void;
  /** Drops the connection at once, without a close handshake. */
  terminate(): void;
  /** Called every heartbeat interval: keep-alive, and drop the client if it stopped answering. */
  heartbeat(): void;
  /** Runs once when the connection is gone. */
  onClosed(listener: () => void): void;
}
