import { DynamicModule, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { PostgresConfig } from '@threadline/config';
import { dataSourceOptions, ENTITIES } from './data-source-options';
import { PostgresReadiness } from './postgres-readiness';
import { ConversationHeadReader } from './reads/conversation-head-reader';
import { ConversationListReader } from './reads/conversation-list-reader';
import { RunsReader } from './runs/runs-reader';

@Module({})
export class PersistenceModule {
  static forRoot(config: PostgresConfig): DynamicModule {
    return {
      module: PersistenceModule,
      global: true,
      imports: [
        TypeOrmModule.forRoot({
          ...dataSourceOptions(config),
          retryAttempts: 1_000_000,
          retryDelay: 1000,
        }),
        TypeOrmModule.forFeature(ENTITIES),
      ],
      providers: [PostgresReadiness, ConversationHeadReader, ConversationListReader, RunsReader],
      exports: [TypeOrmModule, ConversationHeadReader, ConversationListReader, RunsReader],
    };
  }
}
