import { SetMetadata } from '@nestjs/common';
import { Scope } from './scopes';

export const REQUIRED_SCOPES = 'threadline:required-scopes';

/** The scopes a route needs, all of them; AuthGuard answers 403 forbidden_scope otherwise. */
export const RequireScopes = (...scopes: Scope[]): MethodDecorator & ClassDecorator =>
  SetMetadata(REQUIRED_SCOPES, scopes);
