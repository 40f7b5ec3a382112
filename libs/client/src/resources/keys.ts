import { CallOptions } from '../options';
import { Transport, segment } from '../http/transport';

export interface ApiKey {
  id: string;
  tenant_id: string;
  subject: string;
  scopes: string[];
  created_at: string;
  last_used_at?: string | null;
  revoked_at?: string | null;
}

/** API keys of every tenant (scope `admin`). */
export class Keys {
  constructor(private readonly transport: Transport) {}

  /** Creates a key; `key` is in this answer only. */
  create(
    key: { tenant_id: string; subject: string; scopes: string[] },
    options: CallOptions = {},
  ): Promise<ApiKey & { key: string }> {
    return this.transport.request('POST', '/v1/admin/api-keys', {
      body: key,
      idempotent: false,
      signal: options.signal,
    });
  }

  list(tenantId: string, options: CallOptions = {}): Promise<{ api_keys: ApiKey[] }> {
    return this.transport.request('GET', '/v1/admin/api-keys', {
      query: { tenant_id: tenantId },
      idempotent: true,
      signal: options.signal,
    });
  }

  async revoke(id: string, options: CallOptions = {}): Promise<void> {
    await this.transport.request('DELETE', `/v1/admin/api-keys/${segment(id)}`, {
      idempotent: true,
      signal: options.signal,
    });
  }
}
