import { DynamicModule, Module } from '@nestjs/common';
import { AppConfigModule } from '@threadline/config';
import { ErrorsModule } from '@threadline/errors';
import { KafkaModule } from '@threadline/kafka';
import { ObservabilityModule } from '@threadline/observability';
import { PersistenceModule } from '@threadline/persistence';
import { DISPATCHER_CONFIG, DispatcherConfig } from './config/dispatcher.config';
import { DeliveryModule } from './delivery/delivery.module';
import { IngestModule } from './ingest/ingest.module';

/** Conversation topic → deliveries in Postgres → signed webhooks to agents, their replies appended as the agent. */
@Module({})
export class DispatcherModule {
  static forRoot(config: DispatcherConfig): DynamicModule {
    return {
      module: DispatcherModule,
      imports: [
        ErrorsModule,
        ObservabilityModule.forRoot({ service: config.service, logLevel: config.logLevel }),
        KafkaModule.forRoot(config.kafka),
        PersistenceModule.forRoot(config.postgres),
        AppConfigModule.forRoot(DISPATCHER_CONFIG, config),
        IngestModule,
        DeliveryModule,
      ],
    };
  }
}
