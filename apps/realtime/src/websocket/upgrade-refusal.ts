import { STATUS_CODES } from 'node:http';
import { Duplex } from 'node:stream';
import { ApiError, ErrorBody } from '@threadline/errors';

/**
 * An upgrade request answered with an ordinary HTTP error and a JSON body instead of a
 * handshake; a 503 says when to come back (`Retry-After`), as every service's 503 does.
 */
export interface UpgradeRefusal {
  status: number;
  body: ErrorBody;
  /** E.g. `WWW-Authenticate` on a 401. */
  headers?: Record<string, string>;
}

/** The refusal an ApiError (a 401 or 403 from authentication) stands for. */
export function refusalOf(error: ApiError): UpgradeRefusal {
  return {
    status: error.status,
    body: { ...error.extra, error: error.code, message: error.message },
    headers: error.headers,
  };
}

/** Answers the upgrade request `requestId` with the refusal (its `X-Request-Id` as every service's answers carry). */
export function refuseUpgrade(socket: Duplex, requestId: string, { status, body, headers = {} }: UpgradeRefusal): void {
  const json = JSON.stringify(body);
  const extraHeaders = {
    'X-Request-Id': requestId,
    ...(status === 503 ? { 'Retry-After': '1' } : {}),
    ...headers,
  };
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\n` +
      'Content-Type: application/json\r\n' +
      Object.entries(extraHeaders)
        .map(([name, value]) => `${name}: ${value}\r\n`)
        .join('') +
      `Content-Length: ${Buffer.byteLength(json)}\r\n` +
      'Connection: close\r\n\r\n' +
      json,
  );
}
