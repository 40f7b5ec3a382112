import { Conversation } from './conversation';
import { NotFoundError } from './errors';
import { backoffMs, sleep } from './http/sleep';
import { CallOptions } from './options';
import { FrameInbox } from './realtime/frame-inbox';
import { Run, RunEnd } from './run';
import { followRun, RunFollowDeps } from './run-events';
import { RunEvent, RunFrame, RunRecord } from './types';

export interface SubscribeRunOptions extends CallOptions {
  /** The last run_seq the caller has (default 0: every event). */
  fromSeq?: number;
  /** How long the live stream may stay silent before the REST replay is read (default 2000 ms). */
  quietMs?: number;
}

/** How often a finished run's replay is read again while the projector has not written all of its events. */
const FINISHED_POLL_MS = 100;

/** How many times a run not projected yet (404 right after it started) is read again. */
const NOT_PROJECTED_ATTEMPTS = 20;

/**
 * A run's events after `fromSeq`, then its end: live from its conversation's realtime stream (with the run's
 * cursor), repaired and, when the stream is silent or down, carried on by `GET /v1/runs/{id}/events?after=`.
 * A run already finished is read over REST alone.
 */
export async function* subscribeRun(
  run: Run,
  conversationOf: (id: string) => Conversation,
  options: SubscribeRunOptions = {},
): AsyncGenerator<RunEvent, RunEnd> {
  const { signal } = options;
  const fromSeq = options.fromSeq ?? 0;
  const record = await projectedRun(run, signal);
  const rest: Omit<RunFollowDeps, 'next'> = {
    events: (after) => run.events({ after, limit: 1000, signal }),
    end: async () => endOf(await run.get({ signal })),
    wait: (idle) => sleep(backoffMs(idle, 100, 2000), signal),
  };
  if (record.status !== 'streaming') {
    return yield* followRun(fromSeq, {
      ...rest,
      next: () => sleep(FINISHED_POLL_MS, signal).then(() => 'quiet' as const),
    });
  }
  const inbox = new FrameInbox<RunFrame>();
  const convo = conversationOf(record.conversation_id);
  const subscription = await convo.subscribe({
    cursor: (await convo.get({ signal })).last_seq,
    runCursors: { [run.runId]: fromSeq },
    signal,
    onMessage: () => undefined,
    onRunEvent: (frame) => {
      if (frame.run_id === run.runId) {
        inbox.push(frame);
      }
    },
  });
  subscription.done.catch((error: unknown) => inbox.fail(error));
  try {
    return yield* followRun(fromSeq, { ...rest, next: () => inbox.take(options.quietMs ?? 2000, signal) });
  } finally {
    subscription.close();
  }
}

async function projectedRun(run: Run, signal: AbortSignal | undefined): Promise<RunRecord> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await run.get({ signal });
    } catch (error) {
      if (!(error instanceof NotFoundError) || attempt >= NOT_PROJECTED_ATTEMPTS) {
        throw error;
      }
      await sleep(backoffMs(attempt, 100, 1000), signal);
    }
  }
}

function endOf(record: RunRecord): RunEnd {
  return {
    run_id: record.run_id,
    status: record.status,
    reason: record.reason ?? null,
    last_run_seq: record.last_run_seq,
    messages: (record.message_seqs ?? []).map((seq) => ({ seq })),
  };
}
