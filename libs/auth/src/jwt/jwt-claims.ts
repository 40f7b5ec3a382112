import { conversationIdSchema, tenantIdSchema } from '@threadline/contracts';
import { Principal } from '../principal';
import { isScope, Scope } from '../scopes';
import { isSubject, SUBJECT_RULE } from '../subject';
import { unauthorized } from '../unauthorized';

/** The claims of a verified JWT that make its principal (signature, iss, aud and exp already checked). */
export interface ThreadlineClaims {
  tenant_id?: unknown;
  sub?: unknown;
  scope?: unknown;
  scopes?: unknown;
  conversation_id?: unknown;
  session_id?: unknown;
  exp?: unknown;
}

/** The principal of a verified token's claims, or 401 naming the claim that is missing or invalid. */
export function principalFromClaims(claims: ThreadlineClaims): Principal {
  const tenant = tenantIdSchema.safeParse(claims.tenant_id);
  if (!tenant.success) {
    throw unauthorized('The token has no valid tenant_id claim', true);
  }
  if (!isSubject(claims.sub)) {
    throw unauthorized(`The token's sub claim ${SUBJECT_RULE}`, true);
  }
  if (typeof claims.exp !== 'number') {
    throw unauthorized('The token has no exp claim', true);
  }
  const principal: Principal = {
    tenantId: tenant.data,
    subject: claims.sub,
    scopes: scopesOf(claims),
    expiresAt: new Date(claims.exp * 1000),
  };
  const pin = pinOf(claims);
  return pin === undefined ? principal : { ...principal, conversationId: pin };
}

/**
 * The conversation a token is pinned to: `conversation_id`, or Starcite's `session_id` (a session is a
 * conversation); both present must agree.
 */
function pinOf(claims: Pick<ThreadlineClaims, 'conversation_id' | 'session_id'>): string | undefined {
  const pins = (['conversation_id', 'session_id'] as const).flatMap((claim) => {
    if (claims[claim] === undefined) {
      return [];
    }
    const id = conversationIdSchema.safeParse(claims[claim]);
    if (!id.success) {
      throw unauthorized(`The token has an invalid ${claim} claim`, true);
    }
    return [id.data];
  });
  if (pins.length === 2 && pins[0] !== pins[1]) {
    throw unauthorized('The token pins conversation_id and session_id to different conversations', true);
  }
  return pins[0];
}

/**
 * Starcite's scope names, taken as the Threadline scopes that allow the same session routes
 * (docs/security.md): `session:create` also allows what else `conversations:write` does.
 */
const STARCITE_SCOPES: Readonly<Record<string, Scope>> = {
  'session:read': 'conversations:read',
  'session:create': 'conversations:write',
  'session:append': 'messages:append',
};

/**
 * `scope` (space-separated, RFC 8693) and `scopes` (an array) together, Starcite's names read as ours; scopes
 * Threadline does not know are ignored.
 */
export function scopesOf(claims: Pick<ThreadlineClaims, 'scope' | 'scopes'>): Set<Scope> {
  const fromScope = typeof claims.scope === 'string' ? claims.scope.split(' ') : [];
  const fromScopes = Array.isArray(claims.scopes) ? claims.scopes.filter((s) => typeof s === 'string') : [];
  return new Set([...fromScope, ...fromScopes].map((s) => STARCITE_SCOPES[s] ?? s).filter(isScope));
}
