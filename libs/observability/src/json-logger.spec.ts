import { Writable } from 'node:stream';
import pino from 'pino';
import { JsonLogger } from './json-logger';

function capture(level = 'info'): { logger: JsonLogger; lines: () => Record<string, unknown>[] } {
  const written: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      written.push(chunk.toString());
      done();
    },
  });
  const logger = new JsonLogger(pino({ level, base: { service: 'test' } }, sink));
  return { logger, lines: () => written.map((line) => JSON.parse(line) as Record<string, unknown>) };
}

describe('JsonLogger', () => {
  it('writes a message with its context and the service as one JSON line', () => {
    const { logger, lines } = capture();
    logger.log('listening on http://127.0.0.1:3000', 'Bootstrap');
    expect(lines()).toEqual([
      expect.objectContaining({
        level: 30,
        service: 'test',
        context: 'Bootstrap',
        msg: 'listening on http://127.0.0.1:3000',
      }),
    ]);
  });

  it('puts an Error under err with its stack', () => {
    const { logger, lines } = capture();
    logger.error(new Error('boom'), 'Worker');
    const [line] = lines();
    expect(line).toMatchObject({ level: 50, context: 'Worker', msg: 'boom', err: { message: 'boom' } });
    expect((line.err as { stack: string }).stack).toContain('json-logger.spec');
  });

  it("takes Nest's (message, stack, context) error contract as an error with that stack", () => {
    const { logger, lines } = capture();
    logger.error('Unhandled', 'Error: boom\n    at somewhere (file.js:1:1)', 'ExceptionsHandler');
    expect(lines()).toEqual([
      expect.objectContaining({
        context: 'ExceptionsHandler',
        msg: 'Unhandled',
        err: expect.objectContaining({ stack: 'Error: boom\n    at somewhere (file.js:1:1)' }),
      }),
    ]);
  });

  it('merges an object message into the line', () => {
    const { logger, lines } = capture();
    logger.warn({ reqId: 'r-1', msg: 'store unavailable' }, 'ApiExceptionFilter');
    expect(lines()).toEqual([
      expect.objectContaining({ level: 40, reqId: 'r-1', msg: 'store unavailable', context: 'ApiExceptionFilter' }),
    ]);
  });

  it('writes nothing below its level', () => {
    const { logger, lines } = capture('warn');
    logger.log('info line', 'Ctx');
    logger.debug('debug line', 'Ctx');
    logger.verbose('trace line', 'Ctx');
    expect(lines()).toEqual([]);
  });
});
