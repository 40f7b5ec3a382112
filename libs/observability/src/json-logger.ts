import { LoggerService } from '@nestjs/common';
import pino, { Level, Logger as Pino } from 'pino';

/** The root pino logger of a service: JSON lines on stdout, each with the service's name. */
export function createServiceLog(service: string, level: string): Pino {
  return pino({ level, base: { service } });
}

/**
 * Nest's LoggerService over pino: what Nest and every `new Logger(context)` write
 * becomes one JSON line with `context`, and an Error (or a stack Nest passes
 * beside its message) goes under `err`. It binds nothing per request; the request
 * log line (request-log.ts) names the request id, and so do the error lines
 * written while answering one (ApiExceptionFilter).
 */
export class JsonLogger implements LoggerService {
  constructor(readonly pino: Pino) {}

  verbose(message: unknown, ...params: unknown[]): void {
    this.write('trace', message, params);
  }

  debug(message: unknown, ...params: unknown[]): void {
    this.write('debug', message, params);
  }

  log(message: unknown, ...params: unknown[]): void {
    this.write('info', message, params);
  }

  warn(message: unknown, ...params: unknown[]): void {
    this.write('warn', message, params);
  }

  error(message: unknown, ...params: unknown[]): void {
    this.write('error', message, params);
  }

  fatal(message: unknown, ...params: unknown[]): void {
    this.write('fatal', message, params);
  }

  /** Nest's contract: the last parameter is the context; an error's stack may come before it. */
  private write(level: Level, message: unknown, params: unknown[]): void {
    if (!this.pino.isLevelEnabled(level)) {
      return;
    }
    const fields: Record<string, unknown> = {};
    const rest = params.slice();
    if (rest.length > 0) {
      fields.context = rest.pop();
    }
    if (message instanceof Error) {
      fields.err = message;
      this.pino[level](fields, message.message);
    } else if (typeof message === 'object' && message !== null) {
      this.pino[level]({ ...fields, ...message });
    } else if (level === 'error' && typeof rest[0] === 'string' && /\n\s*at /.test(rest[0])) {
      const err = new Error(String(message));
      err.stack = rest[0];
      this.pino[level]({ ...fields, err }, String(message));
    } else {
      this.pino[level](fields, String(message));
    }
  }
}
