import { textMessage } from '../../support/api-client';
import { sleep } from '../../support/service-process';
import { WriteOutcome } from './checker';

const REQUEST_TIMEOUT_MS = 10_000;
/** Appends one logical message tries at most this many times with a fresh version after `409 conflict`. */
const CONFLICT_RETRIES = 5;

interface Answer {
  /** HTTP status, or `timeout` / `network` when no answer came. */
  status: number | 'timeout' | 'network';
  body: Record<string, unknown>;
  /** Retry-After in ms; null when the header is missing. */
  retryAfterMs: number | null;
}

/** The text of a load message names its producer pair: every view can be matched back to the write. */
export function messageKey(producerId: string, producerSeq: number): string {
  return `${producerId}#${producerSeq}`;
}

/**
 * Writers appending as a careful client would: `if_version` from what they last
 * saw, a producer pair per message, and on 503 / timeout / connection error the
 * same request again (same pair, same content) on the next command instance, so
 * the retry is deduplicated. What each message ended as is recorded for the checker.
 */
export class LoadGenerator {
  readonly outcomes: WriteOutcome[] = [];
  /** Answers by status (and error code), for the report. */
  readonly answers = new Map<string, number>();
  /**
   * Answers the API does not allow (a 500, a 503 without Retry-After, a 404 for a
   * conversation that exists...). The message is still retried as a client would.
   */
  readonly unexpected: string[] = [];
  private running = false;
  private writers: Promise<void>[] = [];

  constructor(
    private readonly commandUrls: string[],
    readonly conversationIds: string[],
    private readonly label: string,
    private readonly writerCount = 4,
  ) {}

  get acked(): number {
    return this.outcomes.filter((o) => o.status === 'acked').length;
  }

  start(): void {
    this.running = true;
    this.writers = Array.from({ length: this.writerCount }, (_, w) => this.write(w));
  }

  /** Stops the writers; a message still being retried stays unacknowledged. */
  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.writers);
  }

  private async write(writer: number): Promise<void> {
    const producerId = `${this.label}-w${writer}`;
    const known = new Map<string, number>();
    let instance = writer % this.commandUrls.length;
    let producerSeq = 0;
    for (let n = 0; this.running; n += 1) {
      const id = this.conversationIds[(writer * 3 + n) % this.conversationIds.length];
      for (let conflicts = 0; this.running && conflicts < CONFLICT_RETRIES; conflicts += 1) {
        producerSeq += 1;
        const outcome: WriteOutcome = {
          conversationId: id,
          key: messageKey(producerId, producerSeq),
          status: 'unacked',
        };
        this.outcomes.push(outcome);
        const body = {
          message: textMessage(outcome.key),
          if_version: known.get(id) ?? 0,
          producer_id: producerId,
          producer_seq: producerSeq,
        };
        let answered = false;
        while (this.running && !answered) {
          const answer = await this.post(this.commandUrls[instance], id, body);
          this.count(answer);
          if (answer.status === 201) {
            outcome.status = 'acked';
            outcome.seq = answer.body.seq as number;
            known.set(id, Math.max(known.get(id) ?? 0, outcome.seq));
            answered = true;
          } else if (answer.status === 409 && answer.body.error === 'conflict') {
            // A first answer of 409 proves the pair was never appended; after a 503 it proves nothing.
            if (outcome.ambiguous !== true) {
              outcome.status = 'rejected';
            }
            known.set(id, answer.body.current_version as number);
            answered = true;
          } else if (answer.status === 503 || typeof answer.status !== 'number' || answer.status >= 500) {
            if (answer.status !== 503 && typeof answer.status === 'number') {
              this.unexpected.push(
                `${answer.status} ${JSON.stringify(answer.body)} appending ${outcome.key} to ${id} (the API promises 503 + Retry-After)`,
              );
            } else if (answer.status === 503 && answer.retryAfterMs === null) {
              this.unexpected.push(
                `503 ${JSON.stringify(answer.body)} without Retry-After appending ${outcome.key} to ${id}`,
              );
            }
            outcome.ambiguous = true;
            instance = (instance + 1) % this.commandUrls.length;
            await sleep(Math.min(answer.retryAfterMs ?? 200, 1000));
          } else {
            this.unexpected.push(`${answer.status} ${JSON.stringify(answer.body)} appending ${outcome.key} to ${id}`);
            outcome.ambiguous = true;
            answered = true;
          }
        }
        if (outcome.status === 'acked') {
          break;
        }
      }
      await sleep(10);
    }
  }

  private async post(baseUrl: string, id: string, body: unknown): Promise<Answer> {
    try {
      const res = await fetch(`${baseUrl}/v1/conversations/${id}/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
      const text = await res.text();
      return {
        status: res.status,
        body: (text ? JSON.parse(text) : {}) as Record<string, unknown>,
        retryAfterMs: res.headers.has('retry-after') ? Number(res.headers.get('retry-after')) * 1000 : null,
      };
    } catch (error) {
      const timedOut = error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
      return { status: timedOut ? 'timeout' : 'network', body: {}, retryAfterMs: 200 };
    }
  }

  private count(answer: Answer): void {
    const key = typeof answer.body.error === 'string' ? `${answer.status} ${answer.body.error}` : String(answer.status);
    this.answers.set(key, (this.answers.get(key) ?? 0) + 1);
  }
}
