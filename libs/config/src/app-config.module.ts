import { DynamicModule, Module } from '@nestjs/common';

/** Makes an app's validated configuration injectable everywhere in the app, under the app's token. */
@Module({})
export class AppConfigModule {
  static forRoot(token: symbol, config: unknown): DynamicModule {
    return {
      module: AppConfigModule,
      global: true,
      providers: [{ provide: token, useValue: config }],
      exports: [token],
    };
  }
}
