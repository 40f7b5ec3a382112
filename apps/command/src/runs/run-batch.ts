import { createHash } from 'node:crypto';
import { HttpStatus } from '@nestjs/common';
import { checkRunEvent, RunEventBody } from '@threadline/contracts';
import { ApiError } from '@threadline/errors';

export interface RunBatchLimits {
  maxBatchEvents: number;
  maxBatchBytes: number;
}

/**
 * Checks a batch a writer sent before anything is decided: its size, then each
 * event, naming the first bad one by its index and field (`events[3].kind`).
 */
export function checkRunBatch(events: unknown[], limits: RunBatchLimits): RunEventBody[] {
  if (events.length > limits.maxBatchEvents) {
    throw new ApiError(
      HttpStatus.PAYLOAD_TOO_LARGE,
      'run_too_large',
      `events: at most ${limits.maxBatchEvents} events per batch (got ${events.length})`,
    );
  }
  const bytes = Buffer.byteLength(JSON.stringify(events));
  if (bytes > limits.maxBatchBytes) {
    throw new ApiError(
      HttpStatus.PAYLOAD_TOO_LARGE,
      'run_too_large',
      `events: at most ${limits.maxBatchBytes} bytes of JSON per batch (got ${bytes})`,
    );
  }
  return events.map((event, i) => {
    const checked = checkRunEvent(event);
    if (!checked.ok) {
      const field = checked.path === '' ? `events[${i}]` : `events[${i}].${checked.path}`;
      throw ApiError.badRequest('invalid_run_event', `${field}: ${checked.message}`);
    }
    return checked.event;
  });
}

/** What tells a repeated batch from another: the hash of its checked events. */
export function runBatchHash(events: RunEventBody[]): string {
  return createHash('sha256').update(JSON.stringify(events)).digest('base64url');
}
