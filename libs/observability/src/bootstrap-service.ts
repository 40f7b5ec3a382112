import { IncomingMessage, ServerResponse } from 'node:http';
import { DynamicModule, INestApplication } from '@nestjs/common';
import { AbstractHttpAdapter, NestFactory } from '@nestjs/core';
import { corsOptions } from './cors-options';
import { JsonLogger } from './json-logger';
import { MetricsService } from './metrics.service';
import { assignRequestId } from './request-id';
import { ProcessSafetyNet } from './process-safety-net';
import { requestLogger } from './request-log';

export interface ServiceBootstrapOptions {
  module: DynamicModule;
  host: string;
  port: number;
  /** Browser origins allowed to call the service cross-origin (CORS_ORIGINS); none: no CORS headers at all. */
  corsOrigins?: string[];
  /** The HTTP platform: Express (Nest's default) unless given, e.g. the command's Fastify adapter. */
  httpAdapter?: AbstractHttpAdapter;
  /** Runs before listen, e.g. to add a WebSocket adapter or body limits. */
  configure?: (app: INestApplication) => void;
}

/**
 * Starts a service the same way everywhere: JSON logs, a request id on every
 * answer, shutdown hooks for SIGTERM/SIGINT (graceful drain), and one line
 * saying where it listens.
 * Once it listens, the process safety net logs and counts any error nothing
 * handled (`threadline_uncaught_errors_total`) and keeps the service up. A
 * failure to start is not caught: the process exits, as before.
 */
export async function bootstrapService(options: ServiceBootstrapOptions): Promise<INestApplication> {
  const settings = { bufferLogs: true, bodyParser: false };
  const app =
    options.httpAdapter === undefined
      ? await NestFactory.create(options.module, settings)
      : await NestFactory.create(options.module, options.httpAdapter, settings);
  const logger = app.get(JsonLogger);
  app.useLogger(logger);
  app.enableShutdownHooks();
  // Before anything `configure` adds (the body parser): answers refused there carry the request id too.
  app.use((req: IncomingMessage, res: ServerResponse, next: () => void) => {
    assignRequestId(req, res);
    next();
  });
  app.use(requestLogger(logger.pino));
  if (options.corsOrigins !== undefined && options.corsOrigins.length > 0) {
    app.enableCors(corsOptions(options.corsOrigins));
  }
  options.configure?.(app);
  await app.listen(options.port, options.host);
  new ProcessSafetyNet(logger, app.get(MetricsService)).install();
  logger.log(`listening on http://${options.host}:${options.port}`, 'Bootstrap');
  return app;
}
