import type { ServerResponse } from 'node:http';
import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { REQUEST_ID_HEADER } from '@threadline/observability';
import { ApiError } from './api-error';
import { isUnavailableStoreError } from './unavailable-store';

/** Express's response is Node's; Fastify's reply wraps it as `raw`. */
function nodeResponse(res: object): ServerResponse {
  return 'raw' in res ? (res.raw as ServerResponse) : (res as ServerResponse);
}

/**
 * Every HTTP error of every service leaves as `{error, message}` (ApiError); nothing
 * unplanned escapes as an HTML page. A response already streaming (SSE) is cut.
 * It answers through the service's HTTP adapter, so Express and Fastify services alike.
 */
@Catch()
export class ApiExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger(ApiExceptionFilter.name);

  constructor(private readonly adapterHost: HttpAdapterHost) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = this.adapterHost.httpAdapter;
    const res = host.switchToHttp().getResponse<object>();
    const reqId: unknown = nodeResponse(res).getHeader(REQUEST_ID_HEADER);
    if (http.isHeadersSent(res) === true) {
      this.logger.warn({ reqId, msg: `error after the response started: ${String(exception)}` });
      nodeResponse(res).destroy();
      return;
    }
    const error = this.toApiError(exception, reqId);
    // Whatever the route meant to send (a page's text/html), the error is JSON.
    http.setHeader(res, 'content-type', 'application/json; charset=utf-8');
    for (const [name, value] of Object.entries(error.headers)) {
      http.setHeader(res, name, value);
    }
    http.reply(res, { error: error.code, message: error.message, ...error.extra }, error.status);
  }

  /** `reqId` goes into the lines logged for the request (the JSON logger binds nothing per request). */
  private toApiError(exception: unknown, reqId: unknown): ApiError {
    if (exception instanceof ApiError) {
      return exception;
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      if (status === 404) {
        return new ApiError(status, 'not_found', 'No such route');
      }
      if (status === 400) {
        // Express turns a path's bad %-encoding (URIError) into a 400.
        return ApiError.badRequest('bad_request', exception.message);
      }
      return new ApiError(status, 'http_error', exception.message);
    }
    if (isUnavailableStoreError(exception)) {
      this.logger.warn({ reqId, msg: `store unavailable: ${(exception as Error).message}` });
      return ApiError.unavailable('store_unavailable', 'Redis or Postgres is unavailable; retry shortly', 1);
    }
    this.logger.error(exception instanceof Error ? { reqId, err: exception } : { reqId, msg: String(exception) });
    return new ApiError(HttpStatus.INTERNAL_SERVER_ERROR, 'internal_error', 'Internal error');
  }
}
