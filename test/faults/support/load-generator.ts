import { setTimeout as sleep } from 'node:timers/promises';
import { textMessage } from '../../support/api-client';
import { WriteOutcome } from './checker';

const REQUEST_TIMEOUT_MS = 10_000;
/** Appends one logical message tries at most this many times with a fresh version after `409 conflict`. */
const CONFLICT_RETRIES = 5;
/** How often a writer without if_version sends a message again (same pair, same content) after its 201. */
const RETRY_AFTER_201 = 0.2;

/** One append answer: which instance, when the request was sent and answered, and what came back. */
export interface AnswerRecord {
  instance: number;
  /** The message (its producer pair) the request appended. */
  key: string;
  sentAt: number;
  at: number;
  status: number | 'timeout' | 'network';
  error: string | null;
}

/** When an instance answered 503: the first to the last, and the longest run with no other answer between. */
export interface Unavailability {
  instance: number;
  count: number;
  firstAt: number;
  lastAt: number;
  longestRun: { count: number; fromAt: number; toAt: number };
}

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
 * Writers appending as a careful client would: a producer pair per message, and on
 * 503 / timeout / connection error the same request again (same pair, same content)
 * on the next command instance, so the retry is deduplicated. The first half of the
 * writers also send `if_version` (the version they last saw); the others send none,
 * so only the producer pair keeps a retry from appending twice, and they sometimes
 * send a message again after its 201 (which must answer the same seq, deduped).
 * What each message ended as, and every answer, is recorded for the checker.
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
  /** Every append answer, in the order received. */
  readonly timeline: AnswerRecord[] = [];
  /** Requests sent to each instance and not answered yet. */
  readonly inFlight: number[];
  /** The messages (keys) of those requests. */
  readonly inFlightKeys: Set<string>[];
  private running = false;
  private writers: Promise<void>[] = [];

  constructor(
    private readonly commandUrls: string[],
    readonly conversationIds: string[],
    private readonly label: string,
    private readonly writerCount = 4,
  ) {
    this.inFlight = commandUrls.map(() => 0);
    this.inFlightKeys = commandUrls.map(() => new Set<string>());
  }

  get acked(): number {
    return this.outcomes.filter((o) => o.status === 'acked').length;
  }

  start(): void {
    this.running = true;
    this.writers = Array.from({ length: this.writerCount }, (_, w) => this.write(w));
  }

  /** Per instance that answered 503 at all: when (performance.now() times), how many, the longest run. */
  unavailability(): Unavailability[] {
    return this.commandUrls.flatMap((_, instance) => {
      const answers = this.timeline.filter((a) => a.instance === instance);
      const unavailable = answers.filter((a) => a.status === 503);
      if (unavailable.length === 0) {
        return [];
      }
      let longest = { count: 0, fromAt: 0, toAt: 0 };
      let run = { count: 0, fromAt: 0, toAt: 0 };
      for (const answer of answers) {
        run =
          answer.status !== 503
            ? { count: 0, fromAt: 0, toAt: 0 }
            : {
                count: run.count + 1,
                fromAt: run.count === 0 ? answer.at : run.fromAt,
                toAt: answer.at,
              };
        if (run.toAt - run.fromAt > longest.toAt - longest.fromAt || (longest.count === 0 && run.count > 0)) {
          longest = run;
        }
      }
      return [
        {
          instance,
          count: unavailable.length,
          firstAt: unavailable[0].at,
          lastAt: unavailable.at(-1)?.at ?? 0,
          longestRun: longest,
        },
      ];
    });
  }

  /** The longest time (ms) between two 201s, any instance: how long no writer could append. */
  longestWithoutAck(): number {
    const acks = this.timeline.filter((a) => a.status === 201).map((a) => a.at);
    return acks.slice(1).reduce((longest, at, i) => Math.max(longest, at - acks[i]), 0);
  }

  /** The first 201 an instance answered to a request sent at or after `since` (performance.now() time). */
  firstAckAfter(instance: number, since: number): AnswerRecord | undefined {
    return this.timeline.find((a) => a.instance === instance && a.status === 201 && a.sentAt >= since);
  }

  /** Stops the writers; a message still being retried stays unacknowledged. */
  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.writers);
  }

  private async write(writer: number): Promise<void> {
    const producerId = `${this.label}-w${writer}`;
    const pairsOnly = writer >= Math.ceil(this.writerCount / 2);
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
          ...(pairsOnly ? {} : { if_version: known.get(id) ?? 0 }),
          producer_id: producerId,
          producer_seq: producerSeq,
        };
        let sendAgainAfter201 = pairsOnly && Math.random() < RETRY_AFTER_201;
        let answered = false;
        while (this.running && !answered) {
          const answer = await this.post(instance, id, outcome.key, body);
          this.count(answer);
          if (answer.status === 201) {
            const seq = answer.body.seq as number;
            outcome.status = 'acked';
            outcome.seq ??= seq;
            outcome.ackedSeqs = [...(outcome.ackedSeqs ?? []), seq];
            known.set(id, Math.max(known.get(id) ?? 0, seq));
            answered = !sendAgainAfter201;
            if (sendAgainAfter201) {
              sendAgainAfter201 = false;
              instance = (instance + 1) % this.commandUrls.length;
            }
          } else if (answer.status === 409 && answer.body.error === 'conflict' && !pairsOnly) {
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

  private async post(instance: number, id: string, key: string, body: unknown): Promise<Answer> {
    const sentAt = performance.now();
    this.inFlight[instance] += 1;
    this.inFlightKeys[instance].add(key);
    const answer = await this.send(this.commandUrls[instance], id, body);
    this.inFlight[instance] -= 1;
    this.inFlightKeys[instance].delete(key);
    const error = typeof answer.body.error === 'string' ? answer.body.error : null;
    this.timeline.push({ instance, key, sentAt, at: performance.now(), status: answer.status, error });
    return answer;
  }

  private async send(baseUrl: string, id: string, body: unknown): Promise<Answer> {
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
      // By name: fetch's DOMException is not an instance of the test sandbox's Error.
      const name = (error as { name?: unknown }).name;
      const timedOut = name === 'TimeoutError' || name === 'AbortError';
      if (timedOut) {
        return { status: 'timeout', body: {}, retryAfterMs: 200 };
      }
      const cause = (error as { cause?: { code?: unknown } }).cause?.code;
      return {
        status: 'network',
        body: { error: typeof cause === 'string' ? cause : String(error) },
        retryAfterMs: 200,
      };
    }
  }

  private count(answer: Answer): void {
    const key = typeof answer.body.error === 'string' ? `${answer.status} ${answer.body.error}` : String(answer.status);
    this.answers.set(key, (this.answers.get(key) ?? 0) + 1);
  }
}
