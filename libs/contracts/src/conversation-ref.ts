import { DEFAULT_TENANT } from './tenant';

/** A conversation: its id is a namespace per tenant, so the tenant is part of its name. */
export interface ConversationRef {
  readonly tenantId: string;
  readonly conversationId: string;
}

/**
 * The one string that names a conversation across the system: the Kafka record
 * key, the Redis key component, the key of in-memory maps and the archive's path
 * component. The bare id for the default tenant (so conversations from before
 * tenants keep their key and partition), `<tenant>/<id>` otherwise; neither part
 * ever holds '/', so no two conversations share a key.
 */
export function conversationKey(ref: ConversationRef): string {
  return ref.tenantId === DEFAULT_TENANT ? ref.conversationId : `${ref.tenantId}/${ref.conversationId}`;
}

/** The conversation an event belongs to. */
export function eventConversation(event: { tenant_id: string; conversation_id: string }): ConversationRef {
  return { tenantId: event.tenant_id, conversationId: event.conversation_id };
}

/** The conversation a conversationKey names (its inverse: neither part holds '/'). */
export function parseConversationKey(key: string): ConversationRef {
  const slash = key.indexOf('/');
  return slash < 0
    ? { tenantId: DEFAULT_TENANT, conversationId: key }
    : { tenantId: key.slice(0, slash), conversationId: key.slice(slash + 1) };
}
