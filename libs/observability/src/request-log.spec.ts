import { EventEmitter } from 'node:events';
import { IncomingMessage, ServerResponse } from 'node:http';
import { Writable } from 'node:stream';
import pino from 'pino';
import { requestLogger } from './request-log';

interface FakeExchange {
  req: IncomingMessage;
  res: ServerResponse;
  close(statusCode: number, finished?: boolean): void;
}

function exchange(method: string, url: string, requestId = 'req-1'): FakeExchange {
  const res = Object.assign(new EventEmitter(), {
    statusCode: 200,
    writableFinished: false,
    getHeader: (name: string) => (name === 'x-request-id' ? requestId : undefined),
  });
  return {
    req: { method, url } as IncomingMessage,
    res: res as unknown as ServerResponse,
    close(statusCode, finished = true) {
      res.statusCode = statusCode;
      res.writableFinished = finished;
      res.emit('close');
    },
  };
}

function logged(level: string, ...exchanges: [FakeExchange, number, boolean?][]): Record<string, unknown>[] {
  const written: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      written.push(chunk.toString());
      done();
    },
  });
  const middleware = requestLogger(pino({ level }, sink));
  for (const [ex, status, finished] of exchanges) {
    let passed = false;
    middleware(ex.req, ex.res, () => (passed = true));
    expect(passed).toBe(true);
    ex.close(status, finished);
  }
  return written.map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe('requestLogger', () => {
  it('logs a refused request at warn with its request id, method, status and the URL with its token redacted', () => {
    const lines = logged('warn', [exchange('GET', '/v1/conversations/c1/events?access_token=secret.jwt&after=3'), 403]);
    expect(lines).toEqual([
      expect.objectContaining({
        level: 40,
        msg: 'request completed',
        reqId: 'req-1',
        req: { method: 'GET', url: '/v1/conversations/c1/events?access_token=[redacted]&after=3' },
        res: { statusCode: 403 },
        responseTime: expect.any(Number),
      }),
    ]);
    expect(JSON.stringify(lines)).not.toContain('secret');
  });

  it('logs a 5xx at error and a success only at debug', () => {
    const quiet = logged('info', [exchange('POST', '/v1/conversations/c1/messages'), 201]);
    expect(quiet).toEqual([]);
    const failed = logged('info', [exchange('POST', '/v1/conversations/c1/messages'), 503]);
    expect(failed).toEqual([expect.objectContaining({ level: 50, res: { statusCode: 503 } })]);
    const verbose = logged('debug', [exchange('POST', '/v1/conversations/c1/messages'), 201]);
    expect(verbose).toEqual([expect.objectContaining({ level: 20, msg: 'request completed' })]);
  });

  it('says when the client went away before the response ended', () => {
    const lines = logged('debug', [exchange('GET', '/v1/conversations/c1/events'), 200, false]);
    expect(lines).toEqual([expect.objectContaining({ msg: 'request aborted' })]);
  });

  it('leaves the health and metrics probes out', () => {
    const lines = logged(
      'debug',
      [exchange('GET', '/health/ready'), 503],
      [exchange('GET', '/metrics'), 500],
      [exchange('GET', '/healthy-sounding/route'), 404],
    );
    expect(lines.map((line) => (line.req as { url: string }).url)).toEqual(['/healthy-sounding/route']);
  });
});
