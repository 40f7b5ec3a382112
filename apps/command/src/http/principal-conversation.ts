import type { Principal } from '@threadline/auth';
import type { ConversationRef } from '@threadline/contracts';

/**
 * The conversation a request names: the id in its path, in the tenant of its
 * credential. Another tenant's conversation of the same id is simply not this one
 * (404 conversation_not_found, exactly as if absent).
 */
export function principalConversation(principal: Principal, conversationId: string): ConversationRef {
  return { tenantId: principal.tenantId, conversationId };
}
