import type { Response } from 'express';
import { ClientConnection } from './client-connection';
import { CloseCode } from './close-codes';
import { pollUntil } from './poll-until';

/**
 * A Server-Sent Events response. Backpressure: when `write` reports a full
 * socket and the bytes queued in Node pass the limit, the response is dropped
 * (SSE has no close code); the client reconnects with Last-Event-ID.
 */
export class SseClientConnection implements ClientConnection {
  readonly protocol = 'sse' as const;
  private closing = false;

  constructor(
    readonly id: string,
    private readonly res: Response,
    private readonly limitBytes: number,
    private readonly onSlowConsumer: () => void,
  ) {}

  get isOpen(): boolean {
    return !this.closing && !this.res.destroyed && !this.res.writableEnded;
  }

  send(frame: string): boolean {
    if (!this.isOpen) {
      return false;
    }
    const flushed = this.res.write(frame);
    if (!flushed && this.res.writableLength > this.limitBytes) {
      this.onSlowConsumer();
      this.close(CloseCode.SlowConsumer);
      return false;
    }
    return true;
  }

  whenWritable(): Promise<void> {
    return pollUntil(() => !this.isOpen || this.res.writableLength <= this.limitBytes / 2);
  }

  /** Ends the stream after what is queued; a slow consumer is cut off at once instead. */
  close(code: number): void {
    if (this.closing) {
      return;
    }
    this.closing = true;
    if (code === CloseCode.SlowConsumer) {
      this.res.destroy();
    } else {
      this.res.end();
    }
  }

  terminate(): void {
    this.closing = true;
    this.res.destroy();
  }

  heartbeat(): void {
    this.send(': ping\n\n');
  }

  onClosed(listener: () => void): void {
    if (this.res.destroyed || this.res.closed) {
      listener();
      return;
    }
    this.res.once('close', listener);
  }
}
