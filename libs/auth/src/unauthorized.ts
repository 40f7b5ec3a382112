import { HttpStatus } from '@nestjs/common';
import { ApiError } from '@threadline/errors';

/**
 * 401 `unauthorized` with `WWW-Authenticate: Bearer` (RFC 6750), plus
 * `error="invalid_token"` when a credential was sent. The message says what was
 * wrong with it, never what it contained.
 */
export function unauthorized(message: string, credentialSent: boolean): ApiError {
  return new ApiError(
    HttpStatus.UNAUTHORIZED,
    'unauthorized',
    message,
    {},
    { 'WWW-Authenticate': credentialSent ? 'Bearer error="invalid_token"' : 'Bearer' },
  );
}
