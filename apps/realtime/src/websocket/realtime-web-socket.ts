import { WebSocket } from 'ws';

/**
 * The socket class of the realtime ws server. Nest calls a @SubscribeMessage
 * handler a few microtasks after ws emitted the message, while ws acts at once
 * on what follows it in the same read: a frame that breaks a rule (over
 * maxPayload, not UTF-8, not RFC 6455) or the client's close frame. So received
 * messages are handled one at a time, in order, and a close asked for from
 * elsewhere while some wait waits for them: what they send or close goes out
 * first, as if each had been handled the moment it arrived.
 */
export class RealtimeWebSocket extends WebSocket {
  /** Settles once every message received so far is handled; null when none waits. */
  private handled: Promise<void> | null = null;
  private handlingMessage = false;

  /** Runs `handle` (which must not reject) for one received message once the messages before it are handled. */
  handleInOrder(handle: () => Promise<void>): void {
    const handled = (this.handled ?? Promise.resolve()).then(async () => {
      this.handlingMessage = true;
      try {
        await handle();
      } finally {
        this.handlingMessage = false;
      }
    });
    this.handled = handled;
    void handled.then(() => {
      if (this.handled === handled) {
        this.handled = null;
      }
    });
  }

  override close(code?: number, reason?: string | Buffer): void {
    const handled = this.handled;
    if (handled && !this.handlingMessage) {
      void handled.then(() => super.close(code, reason));
      return;
    }
    super.close(code, reason);
  }
}
