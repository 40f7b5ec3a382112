import { CallOptions } from './options';
import { ClientContext } from './context';
import { segment } from './http/transport';
import { RunEvent, RunEventInput, RunRecord } from './types';
import { SSE_CONTENT_TYPE, uiMessageStreamBody, UIMessageStreamSource } from './ui-stream-body';

/** The most events one batch may hold (`RUN_MAX_BATCH_EVENTS`' default). */
const MAX_BATCH_EVENTS = 500;

export interface RunEnd {
  run_id: string;
  status: RunRecord['status'];
  reason?: string | null;
  last_run_seq: number;
  messages?: { seq: number }[];
}

/** A run being written: batches of events (idempotent: each has its producer_seq), then commit, fail or cancel. */
export class Run {
  private producerSeq = 0;
  private readonly path: string;

  constructor(
    readonly runId: string,
    private readonly ctx: ClientContext,
    readonly started: RunRecord | null = null,
  ) {
    this.path = `/v1/runs/${segment(runId)}`;
  }

  /**
   * Sends `events` in order, in batches of at most 500, one at a time. Each batch carries the next producer_seq,
   * so a batch retried after a timeout, a 5xx or `run_busy` is applied once. `producerSeq`: the first batch's
   * (a writer that is not this handle's first, e.g. a new process, numbers above the run's last batch).
   */
  async push(
    events: RunEventInput[],
    options: CallOptions & { producerSeq?: number } = {},
  ): Promise<{ last_run_seq: number }> {
    if (options.producerSeq !== undefined) {
      this.producerSeq = options.producerSeq - 1;
    }
    let last = { last_run_seq: 0 };
    for (let start = 0; start < events.length; start += MAX_BATCH_EVENTS) {
      this.producerSeq += 1;
      last = await this.ctx.transport.request<{ last_run_seq: number }>('POST', `${this.path}/events`, {
        body: { events: events.slice(start, start + MAX_BATCH_EVENTS), producer_seq: this.producerSeq },
        idempotent: true,
        signal: options.signal,
      });
    }
    return last;
  }

  /**
   * Pipes an AI SDK UI message stream into the run (`POST /v1/runs/{id}/stream`); the run ends as the stream
   * ends it (committed on `finish`/`[DONE]`, failed on `error`, cancelled on `abort`). Not retried: a stream
   * cannot be sent twice.
   */
  pipe(source: UIMessageStreamSource, options: CallOptions = {}): Promise<RunEnd> {
    return this.ctx.transport.request('POST', `${this.path}/stream`, {
      rawBody: { body: uiMessageStreamBody(source), contentType: SSE_CONTENT_TYPE },
      idempotent: false,
      timeoutMs: 0,
      signal: options.signal,
    });
  }

  /** Folds the events into one assistant message and appends it; a repeated commit answers the same seq. */
  commit(options: CallOptions = {}): Promise<RunEnd> {
    return this.end('commit', undefined, options);
  }

  cancel(options: CallOptions = {}): Promise<RunEnd> {
    return this.end('cancel', undefined, options);
  }

  fail(message?: string, options: CallOptions = {}): Promise<RunEnd> {
    return this.end('fail', message === undefined ? {} : { message }, options);
  }

  get(options: CallOptions = {}): Promise<RunRecord> {
    return this.ctx.transport.request('GET', this.path, { idempotent: true, signal: options.signal });
  }

  events(
    options: CallOptions & { after?: number; limit?: number } = {},
  ): Promise<{ events: RunEvent[]; next_after: number | null }> {
    const query = { after: options.after, limit: options.limit };
    return this.ctx.transport.request('GET', `${this.path}/events`, {
      query,
      idempotent: true,
      signal: options.signal,
    });
  }

  private end(action: string, body: unknown, options: CallOptions): Promise<RunEnd> {
    return this.ctx.transport.request('POST', `${this.path}/${action}`, {
      body,
      idempotent: true,
      signal: options.signal,
    });
  }
}
