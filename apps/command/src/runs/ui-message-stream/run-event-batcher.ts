import type { RunEventBody } from '@threadline/contracts';

/** How the events of a piped stream are grouped into batches (docs/runs.md, "Piping an AI SDK UI message stream"). */
export interface BatchBounds {
  /** A batch is sent once it holds this many events... */
  maxEvents: number;
  /** ...or this many bytes of event JSON... */
  maxBytes: number;
  /** ...or its first event has waited this long. */
  maxDelayMs: number;
}

/** Sends one batch with its producer_seq (1, 2, 3, ...). */
export type SendBatch = (events: RunEventBody[], producerSeq: number) => Promise<unknown>;

/**
 * Groups events into batches and sends them one at a time, in order, each with
 * the next producer_seq: a batch goes when full (events or bytes), when its first
 * event has waited maxDelayMs, or on flush(). A failed send is kept and thrown by
 * the next add() or flush(), and nothing is sent after it.
 */
export class RunEventBatcher {
  private buffer: RunEventBody[] = [];
  private bytes = 0;
  private producerSeq = 0;
  private timer: NodeJS.Timeout | null = null;
  private sending: Promise<void> = Promise.resolve();
  private failure: { error: unknown } | null = null;

  constructor(
    private readonly bounds: BatchBounds,
    private readonly send: SendBatch,
  ) {}

  /** Adds the events; resolves once a batch they filled has been sent (so a fast stream waits for the run). */
  async add(events: RunEventBody[]): Promise<void> {
    this.throwIfFailed();
    for (const event of events) {
      this.buffer.push(event);
      this.bytes += Buffer.byteLength(JSON.stringify(event));
      if (this.buffer.length >= this.bounds.maxEvents || this.bytes >= this.bounds.maxBytes) {
        await this.flush();
      }
    }
    if (this.buffer.length > 0 && this.timer === null) {
      this.timer = setTimeout(() => void this.flush().catch(() => undefined), this.bounds.maxDelayMs);
    }
  }

  /** Sends what is buffered and waits until every batch so far is sent. */
  async flush(): Promise<void> {
    this.stopTimer();
    if (this.buffer.length > 0 && this.failure === null) {
      const batch = this.buffer;
      this.buffer = [];
      this.bytes = 0;
      this.producerSeq += 1;
      const producerSeq = this.producerSeq;
      this.sending = this.sending.then(async () => {
        if (this.failure !== null) {
          return;
        }
        try {
          await this.send(batch, producerSeq);
        } catch (error) {
          this.failure = { error };
        }
      });
    }
    await this.sending;
    this.throwIfFailed();
  }

  private stopTimer(): void {
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
  }

  private throwIfFailed(): void {
    if (this.failure !== null) {
      throw this.failure.error;
    }
  }
}
