import { ArgumentsHost, Logger } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { ApiError } from './api-error';
import { ApiExceptionFilter } from './api-exception.filter';

/** A Node response carrying the request id, and an HTTP adapter keeping what the filter told it, for the test. */
function exchange(requestId: string) {
  const sent = { status: 0, headers: {} as Record<string, unknown>, body: undefined as unknown };
  const res = { getHeader: (name: string) => (name === 'x-request-id' ? requestId : undefined) };
  const httpAdapter = {
    isHeadersSent: () => false,
    setHeader: (_res: unknown, name: string, value: unknown) => (sent.headers[name] = value),
    reply: (_res: unknown, body: unknown, status: number) => Object.assign(sent, { body, status }),
  };
  const host = { switchToHttp: () => ({ getResponse: () => res }) } as unknown as ArgumentsHost;
  const filter = new ApiExceptionFilter({ httpAdapter } as unknown as HttpAdapterHost);
  return { host, sent, filter };
}

describe('ApiExceptionFilter', () => {
  let errors: jest.SpyInstance;
  let warnings: jest.SpyInstance;

  beforeEach(() => {
    errors = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    warnings = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
  });

  afterEach(() => jest.restoreAllMocks());

  it('answers an unexpected error 500 internal_error and logs its stack with the request id', () => {
    const { host, sent, filter } = exchange('req-42');
    const bug = new TypeError('undefined is not a function');
    filter.catch(bug, host);
    expect(sent).toMatchObject({ status: 500, body: { error: 'internal_error', message: 'Internal error' } });
    expect(errors).toHaveBeenCalledWith({ reqId: 'req-42', err: bug });
  });

  it('answers an unavailable store 503 store_unavailable and warns with the request id', () => {
    const { host, sent, filter } = exchange('req-7');
    filter.catch(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }), host);
    expect(sent).toMatchObject({ status: 503, body: { error: 'store_unavailable' }, headers: { 'Retry-After': '1' } });
    expect(warnings).toHaveBeenCalledWith({ reqId: 'req-7', msg: 'store unavailable: connect ECONNREFUSED' });
  });

  it('writes an ApiError as it is, without logging it', () => {
    const { host, sent, filter } = exchange('req-1');
    filter.catch(ApiError.badRequest('invalid_message', 'message.parts: required'), host);
    expect(sent).toMatchObject({
      status: 400,
      body: { error: 'invalid_message', message: 'message.parts: required' },
      headers: { 'content-type': 'application/json; charset=utf-8' },
    });
    expect(errors).not.toHaveBeenCalled();
    expect(warnings).not.toHaveBeenCalled();
  });
});
