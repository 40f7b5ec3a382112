import { DynamicModule, Module } from '@nestjs/common';
import { ErrorsModule } from '@threadline/errors';
import { KafkaModule } from '@threadline/kafka';
import { ObservabilityModule } from '@threadline/observability';
import { PersistenceModule } from '@threadline/persistence';
import { PROJECTOR_CONFIG, ProjectorConfig } from './config/projector.config';
import { ProjectionModule } from './projection/projection.module';

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
        {
          module: ProjectorConfigModule,
          global: true,
          providers: [{ provide: PROJECTOR_CONFIG, useValue: config }],
          exports: [PROJECTOR_CONFIG],
        },
        ProjectionModule,
      ],
    };
  }
}

/** Makes the validated configuration injectable everywhere in the app. */
@Module({})
export class ProjectorConfigModule {}
