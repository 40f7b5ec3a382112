import {
  ConflictError,
  ForbiddenError,
  NotFoundError,
  ThreadlineError,
  TombstonedError,
  UnauthorizedError,
  ValidationError,
} from '../errors';

/** The CLI's exit codes (docs/cli.md). */
export const EXIT = { ok: 0, other: 1, usage: 2, notFound: 3, conflict: 4, auth: 5 } as const;

/** A usage mistake the CLI finds itself (a flag that is not a number, no message to append, ...). */
export class UsageError extends Error {}

export function exitCodeOf(error: unknown): number {
  if (error instanceof UsageError || error instanceof ValidationError) {
    return EXIT.usage;
  }
  if (error instanceof NotFoundError || error instanceof TombstonedError) {
    return EXIT.notFound;
  }
  if (error instanceof ConflictError) {
    return EXIT.conflict;
  }
  if (error instanceof UnauthorizedError || error instanceof ForbiddenError) {
    return EXIT.auth;
  }
  return EXIT.other;
}

/** One line for stderr: the server's code and message when there is one. */
export function describeError(error: unknown): string {
  if (error instanceof ThreadlineError) {
    return `threadline: ${error.code}: ${error.message}`;
  }
  return `threadline: ${error instanceof Error ? error.message : String(error)}`;
}
