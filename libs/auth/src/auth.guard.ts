import { CanActivate, ExecutionContext, HttpStatus, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ApiError } from '@threadline/errors';
import { Authenticator } from './authenticator';
import { AuthenticatedRequest } from './current-principal.decorator';
import { REQUIRED_SCOPES } from './require-scopes.decorator';
import { Scope } from './scopes';

interface HttpRequest extends AuthenticatedRequest {
  headers: Record<string, string | string[] | undefined>;
  path: string;
}

/** Authenticates every `/v1` route and checks the scopes it requires; `/health` and `/metrics` stay open. */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly authenticator: Authenticator,
    private readonly reflector: Reflector,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') {
      return true;
    }
    const request = context.switchToHttp().getRequest<HttpRequest>();
    if (!request.path.startsWith('/v1')) {
      return true;
    }
    const principal = await this.authenticator.authenticate(bearerCredential(request.headers.authorization));
    const required =
      this.reflector.getAllAndOverride<Scope[] | undefined>(REQUIRED_SCOPES, [
        context.getHandler(),
        context.getClass(),
      ]) ?? [];
    const missing = required.filter((scope) => !principal.scopes.has(scope));
    if (missing.length > 0) {
      throw new ApiError(HttpStatus.FORBIDDEN, 'forbidden_scope', `This needs the scope ${missing.join(', ')}`);
    }
    request.principal = principal;
    return true;
  }
}

/** The token of an `Authorization: Bearer <token>` header, or undefined. */
export function bearerCredential(header: string | string[] | undefined): string | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  const match = value?.match(/^Bearer\s+(\S+)\s*$/i);
  return match?.[1];
}
