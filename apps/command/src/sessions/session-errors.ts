import { HttpStatus } from '@nestjs/common';
import { ApiError } from '@threadline/errors';

/**
 * The Starcite code of an error the shared conversation code answered with, on
 * the session routes: a missing conversation is `session_not_found`, a bad id
 * `invalid_session_id`, an append's version mismatch `expected_seq_conflict`
 * ("Expected seq X, current seq is Y", with `current_seq`). Others pass unchanged.
 */
export function asSessionError(error: unknown, expectedSeq?: number): unknown {
  if (!(error instanceof ApiError)) {
    return error;
  }
  switch (error.code) {
    case 'conversation_not_found':
      return new ApiError(HttpStatus.NOT_FOUND, 'session_not_found', error.message.replace('Conversation', 'Session'));
    case 'invalid_conversation_id':
      return new ApiError(error.status, 'invalid_session_id', error.message);
    case 'conflict': {
      const current = Number(error.extra.current_version);
      return new ApiError(
        HttpStatus.CONFLICT,
        'expected_seq_conflict',
        `Expected seq ${expectedSeq}, current seq is ${current}`,
        { current_seq: current },
      );
    }
    default:
      return error;
  }
}

/** Runs a step of a session route, answering its errors in Starcite's codes. */
export async function inSessionTerms<T>(step: () => Promise<T>, expectedSeq?: number): Promise<T> {
  try {
    return await step();
  } catch (error) {
    throw asSessionError(error, expectedSeq);
  }
}
