import { Logger } from '@nestjs/common';
import { createRemoteJWKSet, decodeProtectedHeader, errors, JWTVerifyGetKey, jwtVerify } from 'jose';
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

/**
 * A token that passed every check is trusted again without a signature check for
 * at most this long (never past its `exp`): a worker sends the same token on
 * every request, and a signature check costs more CPU than the rest of an append's
 * authentication. A key withdrawn from the JWKS stops its tokens within it.
 */
export const VERIFIED_TOKEN_CACHE_MS = 5000;

/** Verified tokens remembered at most; beyond, the oldest are forgotten. */
const CACHE_MAX_ENTRIES = 10_000;

interface VerifiedToken {
  principal: Principal;
  until: number;
}

/** JWTs of one identity provider, checked against its JWKS (fetched, cached, refetched on an unknown kid by jose). */
export class JwtAuthenticator extends Authenticator {
  private readonly logger = new Logger(JwtAuthenticator.name);
  private readonly verified = new Map<string, VerifiedToken>();

  constructor(
    private readonly config: JwtConfig,
    private readonly keys: JWTVerifyGetKey = createRemoteJWKSet(new URL(config.jwksUrl), {
      cooldownDuration: JWKS_REFETCH_COOLDOWN_MS,
    }),
    private readonly now: () => number = Date.now,
  ) {
    super();
  }

  async authenticate(credential: string | undefined): Promise<Principal> {
    if (credential === undefined) {
      throw unauthorized('No credential: send Authorization: Bearer <token>', false);
    }
    const cached = this.verified.get(credential);
    if (cached !== undefined && cached.until > this.now()) {
      return cached.principal;
    }
    const principal = await this.verify(credential);
    this.remember(credential, principal);
    return principal;
  }

  private remember(credential: string, principal: Principal): void {
    this.verified.delete(credential);
    if (this.verified.size >= CACHE_MAX_ENTRIES) {
      this.verified.delete(this.verified.keys().next().value as string);
    }
    const expiresAt = principal.expiresAt?.getTime() ?? 0;
    this.verified.set(credential, { principal, until: Math.min(this.now() + VERIFIED_TOKEN_CACHE_MS, expiresAt) });
  }

  private async verify(credential: string): Promise<Principal> {
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
