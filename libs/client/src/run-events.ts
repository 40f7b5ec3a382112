import { CallOptions } from './options';
import { sleep } from './http/sleep';
import { Run } from './run';
import { RunEvent } from './types';

/** How often a run's events are polled while it streams and nothing new came. */
const POLL_MS = 200;

/**
 * A run's events after `fromSeq`, each once, in run_seq order, until the run is finished and read to its end
 * (`GET /v1/runs/{id}/events`, which also serves finished runs). For a live conversation view, subscribe to the
 * conversation instead: its stream carries every run's events as they are written.
 */
export async function* runEvents(run: Run, options: CallOptions & { fromSeq?: number } = {}): AsyncGenerator<RunEvent> {
  let after = options.fromSeq ?? 0;
  for (;;) {
    const page = await run.events({ after, limit: 1000, signal: options.signal });
    yield* page.events;
    if (page.next_after === null) {
      return;
    }
    if (page.events.length === 0) {
      await sleep(POLL_MS, options.signal);
    }
    after = page.next_after;
  }
}
