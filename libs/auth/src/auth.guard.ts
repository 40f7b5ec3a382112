import { CanActivate, ExecutionContext, HttpStatus, Injectable } from '@nestjs/common';
import { PATH_METADATA } from '@nestjs/common/constants';
import { Reflector } from '@nestjs/core';
import { ApiError } from '@threadline/errors';
import { Authenticator } from './authenticator';
import { AuthenticatedRequest } from './current-principal.decorator';
import { Principal } from './principal';
import { CREDENTIAL_QUERY_PARAM, CredentialQueryParam } from './query-credential.decorator';
import { REQUIRED_SCOPES } from './require-scopes.decorator';
import { Scope } from './scopes';
import { unauthorized } from './unauthorized';

interface HttpRequest extends AuthenticatedRequest {
  headers: Record<string, string | string[] | undefined>;
  params?: Record<string, string | undefined>;
  query?: Record<string, unknown>;
}

/**
 * Authenticates every `/v1` route and checks what the principal may do there: the
 * scopes the route requires, and, for a token pinned to a conversation, that the
 * route's `:id` is that conversation (admin routes are closed to pinned tokens).
 * `/health` and `/metrics` stay open. Which routes are `/v1` is read off the
 * matched route's controller, never off the URL as sent: routing ignores letter
 * case, so `/V1/...` reaches the same handlers.
 */
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
    if (!isApiController(this.reflector.get<string | string[] | undefined>(PATH_METADATA, context.getClass()))) {
      return true;
    }
    const request = context.switchToHttp().getRequest<HttpRequest>();
    const targets = [context.getHandler(), context.getClass()];
    const queryParam = this.reflector.getAllAndOverride<CredentialQueryParam | undefined>(
      CREDENTIAL_QUERY_PARAM,
      targets,
    );
    const queryValue = queryParam === undefined ? undefined : request.query?.[queryParam];
    const principal = await this.authenticator.authenticate(
      requestCredential(request.headers.authorization, typeof queryValue === 'string' ? queryValue : undefined),
    );
    const required = this.reflector.getAllAndOverride<Scope[] | undefined>(REQUIRED_SCOPES, targets) ?? [];
    checkAccess(principal, required, request.params?.id);
    request.principal = principal;
    return true;
  }
}

/** A controller of the `/v1` API (`@Controller('v1/...')`). */
function isApiController(paths: string | string[] | undefined): boolean {
  return [paths ?? []].flat().some((path) => /^\/?v1(\/|$)/i.test(path));
}

/** Scopes of routes that are not about one conversation: closed to a token pinned to a conversation. */
const NOT_CONVERSATION_SCOPES: readonly Scope[] = ['admin', 'agents:manage', 'deliveries:reply'];

/** 403 unless the principal has every required scope and, when pinned, the route is about its conversation. */
export function checkAccess(
  principal: Principal,
  required: readonly Scope[],
  conversationId: string | undefined,
): void {
  const missing = required.filter((scope) => !principal.scopes.has(scope));
  if (missing.length > 0) {
    throw new ApiError(HttpStatus.FORBIDDEN, 'forbidden_scope', `This needs the scope ${missing.join(', ')}`);
  }
  if (principal.conversationId === undefined) {
    return;
  }
  if (required.some((scope) => NOT_CONVERSATION_SCOPES.includes(scope))) {
    throw new ApiError(
      HttpStatus.FORBIDDEN,
      'forbidden_conversation',
      'A token pinned to a conversation cannot use admin, agent or delivery routes',
    );
  }
  if (conversationId !== undefined && conversationId !== principal.conversationId) {
    throw new ApiError(HttpStatus.FORBIDDEN, 'forbidden_conversation', 'This token is pinned to another conversation');
  }
}

/** The credential of an Authorization header: undefined when there is none, 401 when it is not `Bearer <token>`. */
export function credentialOf(header: string | string[] | undefined): string | undefined {
  if (header === undefined) {
    return undefined;
  }
  const credential = bearerCredential(header);
  if (credential === undefined) {
    throw unauthorized('The Authorization header is not "Bearer <token>"', true);
  }
  return credential;
}

/**
 * A stream's credential: the Authorization header when sent, else the query
 * parameter its route accepts (browsers' EventSource and WebSocket, Phoenix clients).
 */
export function requestCredential(
  header: string | string[] | undefined,
  queryValue: string | null | undefined,
): string | undefined {
  const fromHeader = credentialOf(header);
  if (fromHeader !== undefined) {
    return fromHeader;
  }
  return queryValue === null || queryValue === undefined || queryValue === '' ? undefined : queryValue;
}

/** The token of an `Authorization: Bearer <token>` header, or undefined. */
export function bearerCredential(header: string | string[] | undefined): string | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  const match = value?.match(/^Bearer\s+(\S+)\s*$/i);
  return match?.[1];
}
