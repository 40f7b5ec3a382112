import { WebSocket } from 'ws';
import { ClientProtocol } from '../metrics/realtime-metrics';
import { ClientConnection } from './client-connection';
import { CloseCode, CloseReason } from './close-codes';
import { pollUntil } from './poll-until';

/**
 * A WebSocket client (Phoenix or plain). Backpressure: `bufferedAmount` counts
 * the bytes queued but not yet taken by the client; past the limit the socket is
 * closed with 4408. The close frame is queued behind the data, so a client that
 * reads on learns exactly where it stopped.
 */
export class WsClientConnection implements ClientConnection {
  private closing = false;
  private answeredPing = true;

  constructor(
    readonly id: string,
    readonly protocol: ClientProtocol,
    private readonly ws: WebSocket,
    private readonly limitBytes: number,
    private readonly onSlowConsumer: () => void,
  ) {
    ws.on('pong', () => {
      this.answeredPing = true;
    });
  }

  get isOpen(): boolean {
    return !this.closing && this.ws.readyState === WebSocket.OPEN;
  }

  send(frame: string): boolean {
    if (!this.isOpen) {
      return false;
    }
    this.ws.send(frame);
    if (this.ws.bufferedAmount > this.limitBytes) {
      this.onSlowConsumer();
      this.close(CloseCode.SlowConsumer, CloseReason.SlowConsumer);
      return false;
    }
    return true;
  }

  whenWritable(): Promise<void> {
    return pollUntil(() => !this.isOpen || this.ws.bufferedAmount <= this.limitBytes / 2);
  }

  close(code: number, reason: string): void {
    if (this.closing) {
      return;
    }
    this.closing = true;
    if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING) {
      this.ws.close(code, reason);
    }
  }

  terminate(): void {
    this.closing = true;
    this.ws.terminate();
  }

  /** Pings; a client that did not answer the previous ping is dropped. A closing socket is left to its close handshake. */
  heartbeat(): void {
    if (this.closing || this.ws.readyState !== WebSocket.OPEN) {
      return;
    }
    if (!this.answeredPing) {
      this.terminate();
      return;
    }
    this.answeredPing = false;
    this.ws.ping();
  }

  onClosed(listener: () => void): void {
    if (this.ws.readyState === WebSocket.CLOSED) {
      listener();
      return;
    }
    this.ws.once('close', listener);
  }
}
