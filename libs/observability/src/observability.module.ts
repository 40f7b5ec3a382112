import { DynamicModule, Module } from '@nestjs/common';
import { HealthController } from './health.controller';
import { HttpDrain } from './http-drain';
import { createServiceLog, JsonLogger } from './json-logger';
import { MetricsController } from './metrics.controller';
import { MetricsService } from './metrics.service';
import { OBSERVABILITY_OPTIONS, ObservabilityOptions } from './observability.options';
import { ReadinessService } from './readiness.service';

/** Structured JSON logs with request ids, Prometheus metrics, and liveness/readiness endpoints. */
@Module({})
export class ObservabilityModule {
  static forRoot(options: ObservabilityOptions): DynamicModule {
    return {
      module: ObservabilityModule,
      global: true,
      controllers: [HealthController, MetricsController],
      providers: [
        { provide: OBSERVABILITY_OPTIONS, useValue: options },
        { provide: JsonLogger, useValue: new JsonLogger(createServiceLog(options.service, options.logLevel)) },
        MetricsService,
        ReadinessService,
        HttpDrain,
      ],
      exports: [MetricsService, ReadinessService, JsonLogger],
    };
  }
}
