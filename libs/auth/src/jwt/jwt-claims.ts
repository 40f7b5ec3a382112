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
  if (claims.conversation_id === undefined) {
    return principal;
  }
  const conversation = conversationIdSchema.safeParse(claims.conversation_id);
  if (!conversation.success) {
    throw unauthorized('The token has an invalid conversation_id claim', true);
  }
  return { ...principal, conversationId: conversation.data };
}

/** `scope` (space-separated, RFC 8693) and `scopes` (an array) together; scopes Threadline does not know are ignored. */
export function scopesOf(claims: Pick<ThreadlineClaims, 'scope' | 'scopes'>): Set<Scope> {
  const fromScope = typeof claims.scope === 'string' ? claims.scope.split(' ') : [];
  const fromScopes = Array.isArray(claims.scopes) ? claims.scopes.filter((s) => typeof s === 'string') : [];
  return new Set([...fromScope, ...fromScopes].filter(isScope));
}
