import { CorsOptions } from '@nestjs/common/interfaces/external/cors-options.interface';

/**
 * CORS for browser pages of the allowed origins: exact origin match (others get no CORS header, so the browser
 * refuses), the methods and headers the API uses, and the answer headers a client reads (Retry-After on 503/429,
 * the request id, WWW-Authenticate). Credentials travel in `Authorization` or `?access_token=`, never in cookies.
 * A preflight without an origin or method gets the same 204 without CORS headers on both platforms
 * (`strictPreflight` is @fastify/cors's, which would answer it 400 in plain text; Express's `cors` ignores it).
 */
export function corsOptions(origins: string[]): CorsOptions & { strictPreflight: boolean } {
  return {
    origin: origins,
    methods: ['GET', 'HEAD', 'PUT', 'PATCH', 'POST', 'DELETE'],
    allowedHeaders: ['authorization', 'content-type', 'x-request-id', 'last-event-id', 'accept'],
    exposedHeaders: ['retry-after', 'x-request-id', 'www-authenticate'],
    credentials: false,
    maxAge: 600,
    strictPreflight: false,
  };
}
