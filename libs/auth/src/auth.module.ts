import { DynamicModule, Module, Provider } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { getRepositoryToken } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { AuthConfig } from '@threadline/config';
import { ApiKeyEntity } from '@threadline/persistence';
import { ApiKeyAuthenticator } from './api-keys/api-key-authenticator';
import { AuthGuard } from './auth.guard';
import { Authenticator, NoAuthAuthenticator } from './authenticator';
import { CompositeAuthenticator } from './composite-authenticator';
import { JwtAuthenticator } from './jwt/jwt-authenticator';
import { ANONYMOUS_PRINCIPAL } from './principal';

/**
 * Authentication for every `/v1` HTTP route of a service (AuthGuard as the global
 * guard). AUTH_MODE=on needs PersistenceModule (API keys live in Postgres).
 */
@Module({})
export class AuthModule {
  static forRoot(config: AuthConfig): DynamicModule {
    return {
      module: AuthModule,
      global: true,
      providers: [authenticatorProvider(config), { provide: APP_GUARD, useClass: AuthGuard }],
      exports: [Authenticator],
    };
  }
}

function authenticatorProvider(config: AuthConfig): Provider {
  if (config.mode === 'none') {
    return { provide: Authenticator, useValue: new NoAuthAuthenticator(ANONYMOUS_PRINCIPAL) };
  }
  return {
    provide: Authenticator,
    useFactory: (keys: Repository<ApiKeyEntity>) =>
      new CompositeAuthenticator(
        new ApiKeyAuthenticator(keys, config.keyCacheMs),
        config.jwt === undefined ? undefined : new JwtAuthenticator(config.jwt),
      ),
    inject: [getRepositoryToken(ApiKeyEntity)],
  };
}
