import { HttpStatus } from '@nestjs/common';
import { ApiError } from '@threadline/errors';
import type { RunRefusal } from './run-index.service';

export function runNotFound(runId: string): ApiError {
  return new ApiError(HttpStatus.NOT_FOUND, 'run_not_found', `Run ${runId} does not exist`);
}

export function runCancelled(runId: string): ApiError {
  return new ApiError(HttpStatus.CONFLICT, 'run_cancelled', `Run ${runId} was cancelled`);
}

export function runFinished(runId: string, status: string): ApiError {
  return new ApiError(HttpStatus.CONFLICT, 'run_finished', `Run ${runId} is ${status}`, { status });
}

/** The answer to a refusal of the run index, the same for every operation. */
export function refusalError(runId: string, refusal: RunRefusal): ApiError {
  switch (refusal.kind) {
    case 'not_found':
      return runNotFound(runId);
    case 'forbidden':
      return new ApiError(
        HttpStatus.FORBIDDEN,
        'forbidden_conversation',
        'This token is pinned to another conversation',
      );
    case 'busy':
      return new ApiError(
        HttpStatus.CONFLICT,
        'run_busy',
        `Another operation on run ${runId} is in flight; send one at a time`,
        {},
        { 'Retry-After': String(Math.max(1, Math.ceil(refusal.retryAfterMs / 1000))) },
      );
    case 'committing':
      return new ApiError(HttpStatus.CONFLICT, 'run_committing', `Run ${runId} is being committed`);
    case 'cancelled':
      return runCancelled(runId);
    case 'finished':
      return runFinished(runId, refusal.status);
  }
}
