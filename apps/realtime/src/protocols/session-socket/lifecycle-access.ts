import type { Principal } from '@threadline/auth';

/**
 * Who may follow the `lifecycle` topic: a service credential (subject
 * `service:...`) or one with the admin scope, with the read scope, and not pinned
 * to one conversation (the topic spans the tenant's sessions).
 */
export function mayFollowLifecycle(principal: Principal): boolean {
  return (
    principal.scopes.has('conversations:read') &&
    principal.conversationId === undefined &&
    (principal.subject.startsWith('service:') || principal.scopes.has('admin'))
  );
}
