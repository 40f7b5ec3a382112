import { DynamicModule, Module } from '@nestjs/common';
import { KafkaModule } from '@threadline/kafka';
import { ObservabilityModule } from '@threadline/observability';
import { ArchiverConfig } from './config/archiver.config';

/**
 * The archiver's shell: configuration, health, metrics and the topic check.
 * Sinking segments to cold storage is issue #6 (see docs/architecture.md).
 */
@Module({})
export class ArchiverModule {
  static forRoot(config: ArchiverConfig): DynamicModule {
    return {
      module: ArchiverModule,
      imports: [
        ObservabilityModule.forRoot({ service: config.service, logLevel: config.logLevel }),
        KafkaModule.forRoot(config.kafka),
      ],
    };
  }
}
