import { DynamicModule, Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import { HealthController } from './health.controller';
import { HttpDrain } from './http-drain';
import { REDACTED_LOG_PATHS, redactUrlSecrets } from './log-redaction';
import { MetricsController } from './metrics.controller';
import { MetricsService } from './metrics.service';
import { OBSERVABILITY_OPTIONS, ObservabilityOptions } from './observability.options';
import { ReadinessService } from './readiness.service';
import { assignRequestId } from './request-id';

/** Structured JSON logs with request ids, Prometheus metrics, and liveness/readiness endpoints. */
@Module({})
export class ObservabilityModule {
  static forRoot(options: ObservabilityOptions): DynamicModule {
    return {
      module: ObservabilityModule,
      global: true,
      imports: [
        LoggerModule.forRoot({
          pinoHttp: {
            level: options.logLevel,
            base: { service: options.service },
            genReqId: assignRequestId,
            redact: { paths: REDACTED_LOG_PATHS, censor: '[redacted]' },
            serializers: {
              req: (req: { url?: string }) => ({ ...req, url: req.url && redactUrlSecrets(req.url) }),
            },
            autoLogging: { ignore: (req) => /^\/(health|metrics)/.test(req.url ?? '') },
            customLogLevel: (_req, res, err) =>
              err || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'debug',
          },
        }),
      ],
      controllers: [HealthController, MetricsController],
      providers: [{ provide: OBSERVABILITY_OPTIONS, useValue: options }, MetricsService, ReadinessService, HttpDrain],
      exports: [MetricsService, ReadinessService],
    };
  }
}
