import type { Principal } from '@threadline/auth';
import type { ConversationRef, CreatorPrincipal } from '@threadline/contracts';

/**
 * The conversation a request names: the id in its path, in the tenant of its
 * credential. Another tenant's conversation of the same id is simply not this one
 * (404 conversation_not_found, exactly as if absent).
 */
export function principalConversation(principal: Principal, conversationId: string): ConversationRef {
  return { tenantId: principal.tenantId, conversationId };
}

/** The principal recorded as a conversation's creator: its tenant, and its subject split into type and id. */
export function creatorPrincipal(principal: Principal): CreatorPrincipal {
  const colon = principal.subject.indexOf(':');
  return {
    tenant_id: principal.tenantId,
    id: principal.subject.slice(colon + 1),
    type: principal.subject.slice(0, colon) as CreatorPrincipal['type'],
  };
}
