import { DynamicModule, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ANONYMOUS_PRINCIPAL } from './principal';
import { AuthGuard } from './auth.guard';
import { Authenticator, NoAuthAuthenticator } from './authenticator';

/** Authentication for every `/v1` HTTP route of a service (AuthGuard as the global guard). */
@Module({})
export class AuthModule {
  static forRoot(): DynamicModule {
    return {
      module: AuthModule,
      global: true,
      providers: [
        { provide: Authenticator, useValue: new NoAuthAuthenticator(ANONYMOUS_PRINCIPAL) },
        { provide: APP_GUARD, useClass: AuthGuard },
      ],
      exports: [Authenticator],
    };
  }
}
