import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { AuthenticatedRequest } from '@threadline/auth';
import { TenantRateLimiter } from './tenant-rate-limiter';

interface AppendRequest extends AuthenticatedRequest {
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
}

/** Charges an append to its tenant's rate and bandwidth buckets before it is decided (429 when over). */
@Injectable()
export class AppendRateLimitGuard implements CanActivate {
  constructor(private readonly limiter: TenantRateLimiter) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<AppendRequest>();
    if (!request.principal) {
      throw new Error('AppendRateLimitGuard runs after AuthGuard');
    }
    await this.limiter.takeAppend(request.principal.tenantId, requestBytes(request));
    return true;
  }
}

/** The body's size as sent (Content-Length), or as parsed when it came chunked. */
function requestBytes(request: AppendRequest): number {
  const length = Number(request.headers['content-length']);
  if (Number.isInteger(length) && length >= 0) {
    return length;
  }
  return Buffer.byteLength(JSON.stringify(request.body ?? null));
}
