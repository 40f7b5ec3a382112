import { z } from 'zod';
import { envInt } from './env-types';

const LOOPBACK_HOSTS = ['127.0.0.1', '::1', 'localhost'];

/**
 * Authentication of every service (docs/security.md). AUTH_MODE has no default:
 * `on` checks credentials, `none` lets everyone in as the default tenant and is
 * only allowed on a loopback host.
 */
export const authEnv = {
  AUTH_MODE: z.enum(['on', 'none'], {
    error: 'must be on (credentials checked) or none (no authentication, loopback host only)',
  }),
  /** The JWKS of the identity provider whose JWTs are accepted; unset: API keys only. */
  AUTH_JWKS_URL: z
    .string()
    .refine(
      (s) => {
        try {
          return ['http:', 'https:'].includes(new URL(s).protocol);
        } catch {
          return false;
        }
      },
      { message: 'expected an http:// or https:// URL' },
    )
    .optional(),
  AUTH_JWT_ISSUER: z.string().min(1).optional(),
  AUTH_JWT_AUDIENCE: z.string().min(1).optional(),
  /** Clock skew allowed on exp, nbf and iat. */
  AUTH_JWT_LEEWAY_S: envInt(30, 0, 300),
  /** How long an API key lookup (found or not) is trusted: a revoked key stops within it. */
  AUTH_KEY_CACHE_MS: envInt(5000, 0, 5000),
};

type AuthEnv = z.output<z.ZodObject<typeof authEnv>>;

export interface JwtConfig {
  jwksUrl: string;
  issuer: string;
  audience: string;
  leewaySeconds: number;
}

export type AuthConfig = { mode: 'none' } | { mode: 'on'; jwt?: JwtConfig; keyCacheMs: number };

/** Cross-field rules of the auth variables, given the variable naming the service's listen host. */
export function checkAuthEnv<H extends string>(hostVariable: H) {
  return (env: AuthEnv & Record<H, string>, ctx: z.RefinementCtx): void => {
    if (env.AUTH_MODE === 'none' && !LOOPBACK_HOSTS.includes(env[hostVariable])) {
      ctx.addIssue({
        code: 'custom',
        path: [hostVariable],
        message: `must be a loopback host (${LOOPBACK_HOSTS.join(', ')}) when AUTH_MODE=none`,
      });
    }
    if (env.AUTH_MODE === 'on' && env.AUTH_JWKS_URL !== undefined) {
      for (const variable of ['AUTH_JWT_ISSUER', 'AUTH_JWT_AUDIENCE'] as const) {
        if (env[variable] === undefined) {
          ctx.addIssue({ code: 'custom', path: [variable], message: 'required when AUTH_JWKS_URL is set' });
        }
      }
    }
  };
}

export function authConfig(env: AuthEnv): AuthConfig {
  if (env.AUTH_MODE === 'none') {
    return { mode: 'none' };
  }
  const jwt =
    env.AUTH_JWKS_URL === undefined
      ? undefined
      : {
          jwksUrl: env.AUTH_JWKS_URL,
          issuer: env.AUTH_JWT_ISSUER ?? '',
          audience: env.AUTH_JWT_AUDIENCE ?? '',
          leewaySeconds: env.AUTH_JWT_LEEWAY_S,
        };
  return { mode: 'on', jwt, keyCacheMs: env.AUTH_KEY_CACHE_MS };
}
