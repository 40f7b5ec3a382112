import { Logger } from '@nestjs/common';
import { createRemoteJWKSet, decodeProtectedHeader, errors, jwtVerify } from 'jose';
import { JwtConfig } from '@threadline/config';
import { ApiError } from '@threadline/errors';
import { Authenticator } from '../authenticator';
import { Principal } from '../principal';
import { unauthorized } from '../unauthorized';
import { principalFromClaims } from './jwt-claims';

export const JWT_ALGORITHMS = ['RS256', 'ES256', 'EdDSA'];

/**
 * A token signed with a kid the cached JWKS lacks refetches it, at most once per
 * this long: a rotated key is accepted within it, and unknown kids cannot make
 * every request hit the identity provider.
 */
export const JWKS_REFETCH_COOLDOWN_MS = 5000;

/** JWTs of one identity provider, checked against its JWKS (fetched, cached, refetched on an unknown kid by jose). */
export class JwtAuthenticator extends Authenticator {
  private readonly logger = new Logger(JwtAuthenticator.name);
  private readonly keys: ReturnType<typeof createRemoteJWKSet>;

  constructor(private readonly config: JwtConfig) {
    super();
    this.keys = createRemoteJWKSet(new URL(config.jwksUrl), { cooldownDuration: JWKS_REFETCH_COOLDOWN_MS });
  }

  async authenticate(credential: string | undefined): Promise<Principal> {
    if (credential === undefined) {
      throw unauthorized('No credential: send Authorization: Bearer <token>', false);
    }
    let kid: string | undefined;
    try {
      kid = decodeProtectedHeader(credential).kid;
    } catch {
      throw unauthorized('The token is malformed', true);
    }
    if (kid === undefined) {
      throw unauthorized('The token has no kid in its header', true);
    }
    try {
      const { payload } = await jwtVerify(credential, this.keys, {
        issuer: this.config.issuer,
        audience: this.config.audience,
        algorithms: JWT_ALGORITHMS,
        clockTolerance: this.config.leewaySeconds,
        requiredClaims: ['exp'],
      });
      return principalFromClaims(payload);
    } catch (error) {
      throw this.rejection(error);
    }
  }

  private rejection(error: unknown): ApiError {
    if (error instanceof ApiError) {
      return error;
    }
    if (error instanceof errors.JWTExpired) {
      return unauthorized('The token has expired', true);
    }
    if (error instanceof errors.JWTClaimValidationFailed) {
      return unauthorized(`The token's ${error.claim} claim is not accepted (${error.reason})`, true);
    }
    if (error instanceof errors.JWKSNoMatchingKey) {
      return unauthorized('The token is signed with an unknown key (kid)', true);
    }
    if (error instanceof errors.JWSSignatureVerificationFailed) {
      return unauthorized('The token signature is invalid', true);
    }
    if (error instanceof errors.JOSEAlgNotAllowed) {
      return unauthorized(`The token's algorithm is not accepted (${JWT_ALGORITHMS.join(', ')})`, true);
    }
    if (error instanceof errors.JWTInvalid || error instanceof errors.JWSInvalid) {
      return unauthorized('The token is malformed', true);
    }
    if (isJwksFailure(error)) {
      this.logger.warn(`JWKS unavailable: ${error instanceof Error ? error.message : String(error)}`);
      return ApiError.unavailable('store_unavailable', "The identity provider's keys could not be fetched; retry", 1);
    }
    return unauthorized('The token is not accepted', true);
  }
}

/** The JWKS could not be fetched or read: the identity provider's trouble, not the caller's. */
function isJwksFailure(error: unknown): boolean {
  return (
    !(error instanceof errors.JOSEError) ||
    error instanceof errors.JWKSTimeout ||
    error instanceof errors.JWKSInvalid ||
    error.code === 'ERR_JOSE_GENERIC'
  );
}
