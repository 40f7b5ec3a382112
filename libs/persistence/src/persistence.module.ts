import { DynamicModule, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { PostgresConfig } from '@threadline/config';
import { dataSourceOptions, ENTITIES } from './data-source-options';

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
      exports: [TypeOrmModule],
    };
  }
}
