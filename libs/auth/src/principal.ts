import { DEFAULT_TENANT } from '@threadline/contracts';
import { SCOPES, Scope } from './scopes';

/** Who is calling, taken from the credential alone (never from a request body). */
export interface Principal {
  readonly tenantId: string;
  /** `<type>:<id>` with type user, agent or service; recorded as the actor of what it appends. */
  readonly subject: string;
  readonly scopes: ReadonlySet<Scope>;
  /** A token pinned to one conversation may touch no other. */
  readonly conversationId?: string;
  /** When the credential stops being valid (JWT `exp`); live streams end then. */
  readonly expiresAt?: Date;
}

/** The caller when AUTH_MODE=none: the default tenant with every scope (loopback only). */
export const ANONYMOUS_PRINCIPAL: Principal = {
  tenantId: DEFAULT_TENANT,
  subject: 'service:anonymous',
  scopes: new Set(SCOPES),
};
