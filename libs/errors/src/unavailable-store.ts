import {
  ClientClosedError,
  ClientOfflineError,
  ConnectionTimeoutError,
  DisconnectsClientError,
  ReconnectStrategyError,
  SocketClosedUnexpectedlyError,
  SocketTimeoutError,
} from 'redis';

const REDIS_CONNECTION_ERRORS = [
  ClientClosedError,
  ClientOfflineError,
  ConnectionTimeoutError,
  DisconnectsClientError,
  ReconnectStrategyError,
  SocketClosedUnexpectedlyError,
  SocketTimeoutError,
];

const SOCKET_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTCONN']);

/** Postgres SQLSTATEs of a server that is going away or not accepting work right now. */
const POSTGRES_UNAVAILABLE = new Set(['57P01', '57P02', '57P03', '53300']);

/** What node-postgres says when the connection dies or cannot be had in time. */
const POSTGRES_CONNECTION_MESSAGE =
  /^(Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error)/;

/**
 * Whether an error means Redis or Postgres could not be reached or dropped the
 * connection (as opposed to a bug): the request is answered 503 with
 * Retry-After, and nothing was decided that a retry would not redo.
 */
export function isUnavailableStoreError(error: unknown): boolean {
  if (!(error instanceof Error)) {
    return false;
  }
  if (REDIS_CONNECTION_ERRORS.some((type) => error instanceof type)) {
    return true;
  }
  const { code, driverError } = error as Error & { code?: unknown; driverError?: unknown };
  if (driverError instanceof Error && driverError !== error) {
    return isUnavailableStoreError(driverError);
  }
  if (typeof code === 'string' && (SOCKET_CODES.has(code) || POSTGRES_UNAVAILABLE.has(code) || code.startsWith('08'))) {
    return true;
  }
  return POSTGRES_CONNECTION_MESSAGE.test(error.message);
}
