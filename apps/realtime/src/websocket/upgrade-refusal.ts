import { STATUS_CODES } from 'node:http';
import { Duplex } from 'node:stream';
import { RealtimeErrorBody } from '../protocols/error-codes';

/** An upgrade request answered with an ordinary HTTP error and a JSON body instead of a handshake. */
export interface UpgradeRefusal {
  status: number;
  body: RealtimeErrorBody;
}

export function refuseUpgrade(socket: Duplex, { status, body }: UpgradeRefusal): void {
  const json = JSON.stringify(body);
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\n` +
      'Content-Type: application/json\r\n' +
      `Content-Length: ${Buffer.byteLength(json)}\r\n` +
      'Connection: close\r\n\r\n' +
      json,
  );
}
