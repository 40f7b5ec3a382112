import { DynamicModule, Module } from '@nestjs/common';
import { AppConfigModule } from '@threadline/config';
import { ErrorsModule } from '@threadline/errors';
import { KafkaModule } from '@threadline/kafka';
import { ObservabilityModule } from '@threadline/observability';
import { ArchiveStoreModule, PersistenceModule } from '@threadline/persistence';
import { ArchiveModule } from './archive/archive.module';
import { ARCHIVER_CONFIG, ArchiverConfig } from './config/archiver.config';
import { OrphansModule } from './orphans/orphans.module';
import { RetentionModule } from './retention/retention.module';

/** Kafka → immutable segments in cold storage, indexed in Postgres; then trims the hot tail and sweeps orphan objects. */
@Module({})
export class ArchiverModule {
  static forRoot(config: ArchiverConfig): DynamicModule {
    return {
      module: ArchiverModule,
      imports: [
        ErrorsModule,
        ObservabilityModule.forRoot({ service: config.service, logLevel: config.logLevel }),
        KafkaModule.forRoot(config.kafka),
        PersistenceModule.forRoot(config.postgres),
        ArchiveStoreModule.forRoot(config.archive),
        AppConfigModule.forRoot(ARCHIVER_CONFIG, config),
        ArchiveModule,
        RetentionModule,
        OrphansModule,
      ],
    };
  }
}
