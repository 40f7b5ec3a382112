import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import { Principal } from './principal';

export interface AuthenticatedRequest {
  principal?: Principal;
}

/** The principal AuthGuard attached to the request. */
export const CurrentPrincipal = createParamDecorator((_data: unknown, context: ExecutionContext): Principal => {
  const principal = context.switchToHttp().getRequest<AuthenticatedRequest>().principal;
  if (!principal) {
    throw new Error('CurrentPrincipal used on a route AuthGuard did not authenticate');
  }
  return principal;
});
