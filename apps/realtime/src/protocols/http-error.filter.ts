import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { Response } from 'express';
import { RealtimeErrorBody } from './error-codes';

/**
 * The realtime service's HTTP errors raised outside its handlers (no such route,
 * a path Express cannot decode) leave as `{error, message}`, as the command's do.
 */
@Catch()
export class HttpErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger(HttpErrorFilter.name);

  catch(exception: unknown, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<Response>();
    if (res.headersSent) {
      res.destroy();
      return;
    }
    const [status, body] = this.toBody(exception);
    res.status(status).json(body);
  }

  private toBody(exception: unknown): [number, RealtimeErrorBody] {
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      if (status === 404) {
        return [status, { error: 'not_found', message: exception.message }];
      }
      if (status === 400) {
        return [status, { error: 'bad_request', message: exception.message }];
      }
      return [status, { error: 'http_error', message: exception.message }];
    }
    this.logger.error(exception instanceof Error ? (exception.stack ?? exception.message) : String(exception));
    return [HttpStatus.INTERNAL_SERVER_ERROR, { error: 'internal_error', message: 'Internal error' }];
  }
}
