import { setTimeout as sleep } from 'node:timers/promises';
import { api } from '../../support/api-client';

const DELTAS_PER_BATCH = 5;
const RETRY_PAUSE_MS = 100;
const REQUEST_TIMEOUT_MS = 5000;

/** A batch the command acknowledged: its producer_seq, its deltas, and the last_run_seq it answered. */
export interface AckedBatch {
  producerSeq: number;
  deltas: string[];
  lastRunSeq: number;
}

/**
 * An agent streaming one run as a well-behaved writer must: one batch in flight,
 * every batch numbered by producer_seq, and a batch that got no answer (a 503, a
 * 409 run_busy, a dropped connection) sent again as it was, to the next command
 * instance, until it is acknowledged. Any other answer is recorded as a violation.
 */
export class RunWriter {
  readonly acked: AckedBatch[] = [];
  readonly violations: string[] = [];
  runId = '';
  retries = 0;
  private running = false;
  private loop: Promise<void> = Promise.resolve();
  private attempt = 0;

  constructor(
    private readonly commandUrls: string[],
    readonly conversationId: string,
  ) {}

  /** Starts the run (retried until one instance answers 201), then streams batches until stop(). */
  async start(): Promise<void> {
    this.runId = await this.untilAnswered(201, 'POST', `/v1/conversations/${this.conversationId}/runs`, {
      metadata: { fault: true },
    }).then((body) => String(body.run_id));
    this.running = true;
    this.loop = this.stream();
  }

  /** Stops after the batch in flight is acknowledged. */
  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }

  /** Commits (retried until answered 200, which a repeated commit also is); the seqs of its messages. */
  async commit(): Promise<number[]> {
    const body = await this.untilAnswered(200, 'POST', `/v1/runs/${this.runId}/commit`);
    return (body.messages as { seq: number }[]).map((m) => m.seq);
  }

  /** Every delta acknowledged, in the order the run holds them. */
  get deltas(): string[] {
    return this.acked.flatMap((b) => b.deltas);
  }

  private async stream(): Promise<void> {
    for (let producerSeq = 1; this.running; producerSeq += 1) {
      const deltas = Array.from({ length: DELTAS_PER_BATCH }, (_, i) => `b${producerSeq}.${i} `);
      const body = await this.untilAnswered(201, 'POST', `/v1/runs/${this.runId}/events`, {
        events: deltas.map((delta) => ({ kind: 'text-delta', delta })),
        producer_seq: producerSeq,
      });
      const lastRunSeq = Number(body.last_run_seq);
      const expected = this.deltas.length + deltas.length;
      if (lastRunSeq !== expected) {
        this.violations.push(`batch ${producerSeq} answered last_run_seq ${lastRunSeq}, expected ${expected}`);
      }
      this.acked.push({ producerSeq, deltas, lastRunSeq });
    }
  }

  /** Sends until an instance answers `status`; 503s, 409 run_busy and network errors are retried as they were. */
  private async untilAnswered(
    status: number,
    method: string,
    path: string,
    body?: unknown,
  ): Promise<Record<string, unknown>> {
    for (;;) {
      this.attempt += 1;
      const base = this.commandUrls[this.attempt % this.commandUrls.length];
      const res = await api(base, method, path, body, undefined, { timeoutMs: REQUEST_TIMEOUT_MS }).catch(() => null);
      if (res?.status === status) {
        return res.body;
      }
      const retriable = res === null || res.status === 503 || (res.status === 409 && res.body.error === 'run_busy');
      if (!retriable) {
        this.violations.push(`${method} ${path}: unexpected ${res.status} ${JSON.stringify(res.body).slice(0, 200)}`);
      }
      this.retries += 1;
      await sleep(RETRY_PAUSE_MS);
    }
  }
}
