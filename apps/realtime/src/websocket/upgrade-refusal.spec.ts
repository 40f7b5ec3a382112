import { Duplex } from 'node:stream';
import { shuttingDown } from '../connections/connection-registry';
import { refusalOf, refuseUpgrade, UpgradeRefusal } from './upgrade-refusal';

/** What an upgrade refusal writes before it ends the socket. */
function answerTo(refusal: UpgradeRefusal): string {
  let written = '';
  const socket = {
    end: (text: string) => {
      written = text;
    },
  } as unknown as Duplex;
  refuseUpgrade(socket, 'req-1', refusal);
  return written;
}

describe('refuseUpgrade', () => {
  it('answers an upgrade arriving during shutdown with 503 shutting_down, one Retry-After and the request id', () => {
    const body = '{"error":"shutting_down","message":"This instance is shutting down; reconnect"}';
    expect(answerTo(refusalOf(shuttingDown()))).toBe(
      'HTTP/1.1 503 Service Unavailable\r\n' +
        'Content-Type: application/json\r\n' +
        'X-Request-Id: req-1\r\n' +
        'Retry-After: 1\r\n' +
        `Content-Length: ${body.length}\r\n` +
        'Connection: close\r\n\r\n' +
        body,
    );
  });
});
