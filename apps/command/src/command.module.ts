import { DynamicModule, Module } from '@nestjs/common';
import { AuthModule } from '@threadline/auth';
import { AppConfigModule } from '@threadline/config';
import { ErrorsModule } from '@threadline/errors';
import { KafkaModule } from '@threadline/kafka';
import { ObservabilityModule } from '@threadline/observability';
import { ArchiveStoreModule, PersistenceModule } from '@threadline/persistence';
import { AgentsModule } from './agents/agents.module';
import { ApiKeysModule } from './api-keys/api-keys.module';
import { COMMAND_CONFIG, CommandConfig } from './config/command.config';
import { ConsoleModule } from './console/console.module';
import { ConversationsModule } from './conversations/conversations.module';
import { DeliveriesModule } from './deliveries/deliveries.module';
import { ForksModule } from './forks/forks.module';
import { InboxModule } from './inbox/inbox.module';
import { MessagesModule } from './messages/messages.module';
import { OpenApiModule } from './openapi/openapi.module';
import { OverviewModule } from './overview/overview.module';
import { ReadsModule } from './reads/reads.module';
import { RunsModule } from './runs/runs.module';
import { SessionsModule } from './sessions/sessions.module';

@Module({})
export class CommandModule {
  static forRoot(config: CommandConfig): DynamicModule {
    return {
      module: CommandModule,
      imports: [
        ErrorsModule,
        AuthModule.forRoot(config.auth),
        ObservabilityModule.forRoot({
          service: config.service,
          logLevel: config.logLevel,
          httpDrainMs: config.shutdownGraceMs,
        }),
        KafkaModule.forRoot(config.kafka),
        PersistenceModule.forRoot(config.postgres),
        ArchiveStoreModule.forRoot(config.archive),
        AppConfigModule.forRoot(COMMAND_CONFIG, config),
        ConversationsModule,
        ForksModule,
        MessagesModule,
        ReadsModule,
        SessionsModule,
        ApiKeysModule,
        AgentsModule,
        DeliveriesModule,
        InboxModule,
        RunsModule,
        OpenApiModule,
        OverviewModule,
        ConsoleModule,
      ],
    };
  }
}
