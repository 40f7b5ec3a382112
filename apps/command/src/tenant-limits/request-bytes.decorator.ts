import { createParamDecorator, ExecutionContext } from '@nestjs/common';

interface SizedRequest {
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
}

/** The request body's size as sent (Content-Length), or as parsed when it came chunked: what an append is charged. */
export const RequestBytes = createParamDecorator((_: unknown, context: ExecutionContext): number => {
  const request = context.switchToHttp().getRequest<SizedRequest>();
  const length = Number(request.headers['content-length']);
  if (Number.isInteger(length) && length >= 0) {
    return length;
  }
  return Buffer.byteLength(JSON.stringify(request.body ?? null));
});
