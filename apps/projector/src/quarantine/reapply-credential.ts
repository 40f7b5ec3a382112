/** The subject a re-applied record's requests act as (their actor). */
export const REAPPLY_SUBJECT = 'service:quarantine-reapply';

/** What re-applying needs: create, update and delete a conversation, append a message. */
const REAPPLY_SCOPES = ['conversations:write', 'messages:append'];

/**
 * The credential a re-applied record's requests carry. Without an admin key
 * none (AUTH_MODE=none: the command acts for the default tenant). With one, a
 * key of the record's tenant minted for the re-apply (`POST /v1/admin/api-keys`,
 * subject REAPPLY_SUBJECT) and revoked after it, as the console does for an
 * admin viewing a tenant: the tenant comes from the credential, as on every
 * request, and no tenant key has to be handed to the operator.
 */
export class ReapplyCredential {
  private constructor(
    private readonly commandUrl: string,
    private readonly adminKey: string | null,
    private readonly key: { id: string; key: string } | null,
  ) {}

  /** No credential: the command must run with AUTH_MODE=none. */
  static none(commandUrl: string): ReapplyCredential {
    return new ReapplyCredential(commandUrl, null, null);
  }

  /**
   * Mints a key of `tenantId` (a decoded event's, so valid by the envelope's schema) with `adminKey`; throws
   * with the command's answer when it refuses.
   */
  static async mint(commandUrl: string, adminKey: string, tenantId: string): Promise<ReapplyCredential> {
    const res = await fetch(`${commandUrl}/v1/admin/api-keys`, {
      method: 'POST',
      headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ tenant_id: tenantId, subject: REAPPLY_SUBJECT, scopes: REAPPLY_SCOPES }),
    });
    const body = await res.text();
    if (res.status !== 201) {
      throw new Error(`minting a key of tenant ${tenantId} with THREADLINE_ADMIN_KEY: ${res.status} ${body}`);
    }
    const { id, key } = JSON.parse(body) as { id: string; key: string };
    return new ReapplyCredential(commandUrl, adminKey, { id, key });
  }

  /** The headers each request carries. */
  headers(): Record<string, string> {
    return this.key ? { authorization: `Bearer ${this.key.key}` } : {};
  }

  /** Revokes the minted key, if any; throws with the command's answer when that fails. */
  async revoke(): Promise<void> {
    if (!this.key || !this.adminKey) {
      return;
    }
    const res = await fetch(`${this.commandUrl}/v1/admin/api-keys/${encodeURIComponent(this.key.id)}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${this.adminKey}` },
    });
    if (res.status !== 204) {
      throw new Error(`revoking the re-apply key ${this.key.id}: ${res.status} ${await res.text()}`);
    }
  }
}
