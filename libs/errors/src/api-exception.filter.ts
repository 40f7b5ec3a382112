import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { Response } from 'express';
import { REQUEST_ID_HEADER } from '@threadline/observability';
import { ApiError } from './api-error';
import { isUnavailableStoreError } from './unavailable-store';

interface BodyParserError {
  type?: string;
  status?: number;
  expose?: boolean;
  message?: string;
}

/**
 * Every HTTP error of every service leaves as `{error, message}` (ApiError); nothing
 * unplanned escapes as an HTML page. A response already streaming (SSE) is cut.
 */
@Catch()
export class ApiExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger(ApiExceptionFilter.name);

  catch(exception: unknown, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<Response>();
    if (res.headersSent) {
      this.logger.warn({
        reqId: res.getHeader(REQUEST_ID_HEADER),
        msg: `error after the response started: ${String(exception)}`,
      });
      res.destroy();
      return;
    }
    const error = this.toApiError(exception, res.getHeader(REQUEST_ID_HEADER));
    for (const [name, value] of Object.entries(error.headers)) {
      res.setHeader(name, value);
    }
    res.status(error.status).json({ error: error.code, message: error.message, ...error.extra });
  }

  /** `reqId` goes into the lines logged for the request (the JSON logger binds nothing per request). */
  private toApiError(exception: unknown, reqId: unknown): ApiError {
    if (exception instanceof ApiError) {
      return exception;
    }
    const parser = exception as BodyParserError;
    if (parser?.type === 'entity.parse.failed') {
      return ApiError.badRequest('invalid_json', 'The request body is not valid JSON');
    }
    if (parser?.type === 'entity.too.large') {
      return new ApiError(HttpStatus.PAYLOAD_TOO_LARGE, 'payload_too_large', 'The request body is too large');
    }
    if (parser?.type === 'encoding.unsupported' || parser?.type === 'charset.unsupported') {
      return new ApiError(HttpStatus.UNSUPPORTED_MEDIA_TYPE, 'unsupported_encoding', String(parser.message));
    }
    if (parser?.expose === true && parser.status === HttpStatus.BAD_REQUEST) {
      // body-parser's own 400s: a body its Content-Encoding cannot decode (gzip that is not gzip), a bad length.
      return ApiError.badRequest('invalid_json', `The request body could not be read: ${String(parser.message)}`);
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      if (status === 404) {
        return new ApiError(status, 'not_found', 'No such route');
      }
      if (status === 400) {
        // Nest turns body-parser's SyntaxError (invalid JSON) and URIError (bad %-encoding) into a 400.
        return /JSON/i.test(exception.message)
          ? ApiError.badRequest('invalid_json', `The request body is not valid JSON: ${exception.message}`)
          : ApiError.badRequest('bad_request', exception.message);
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
