import { STATUS_CODES } from 'node:http';
import { Duplex } from 'node:stream';
import type { ErrorBody } from '@threadline/errors';

/**
 * An upgrade request answered with an ordinary HTTP error and a JSON body instead of a
 * handshake; a 503 says when to come back (`Retry-After`), as every service's 503 does.
 */
export interface UpgradeRefusal {
  status: number;
  body: ErrorBody;
}

export function refuseUpgrade(socket: Duplex, { status, body }: UpgradeRefusal): void {
  const json = JSON.stringify(body);
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\n` +
      'Content-Type: application/json\r\n' +
      (status === 503 ? 'Retry-After: 1\r\n' : '') +
      `Content-Length: ${Buffer.byteLength(json)}\r\n` +
      'Connection: close\r\n\r\n' +
      json,
  );
}
