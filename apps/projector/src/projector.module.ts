import { DynamicModule, Module } from '@nestjs/common';
import { AppConfigModule } from '@threadline/config';
import { ErrorsModule } from '@threadline/errors';
import { KafkaModule } from '@threadline/kafka';
import { ObservabilityModule } from '@threadline/observability';
import { PersistenceModule } from '@threadline/persistence';
import { PROJECTOR_CONFIG, ProjectorConfig } from './config/projector.config';
import { ProjectionModule } from './projection/projection.module';
import { RunsModule } from './runs/runs.module';

@Module({})
export class ProjectorModule {
  static forRoot(config: ProjectorConfig): DynamicModule {
    return {
      module: ProjectorModule,
      imports: [
        ErrorsModule,
        ObservabilityModule.forRoot({ service: config.service, logLevel: config.logLevel }),
        KafkaModule.forRoot(config.kafka),
        PersistenceModule.forRoot(config.postgres),
        AppConfigModule.forRoot(PROJECTOR_CONFIG, config),
        ProjectionModule,
        RunsModule,
      ],
    };
  }
}
