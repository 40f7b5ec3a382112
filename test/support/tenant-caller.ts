import { api, ApiResponse } from './api-client';
import { TestIdentityProvider } from './identity-provider';

/**
 * Calls a service as any subject of any tenant with a JWT of the test identity
 * provider, minted once per tenant, subject and extra claims.
 */
export class TenantCaller {
  private readonly tokens = new Map<string, Promise<string>>();

  constructor(
    private readonly idp: TestIdentityProvider,
    private readonly scope: string,
    /** The service's base URL, once it is started. */
    private readonly baseUrl: () => string,
  ) {}

  /** The subject's token: `scope` unless `claims` says otherwise. */
  token(tenant: string, subject: string, claims: Record<string, unknown> = {}): Promise<string> {
    const key = `${tenant} ${subject} ${JSON.stringify(claims)}`;
    let token = this.tokens.get(key);
    if (!token) {
      token = this.idp.token({ tenant_id: tenant, sub: subject, scope: this.scope, ...claims });
      this.tokens.set(key, token);
    }
    return token;
  }

  async call<T = Record<string, unknown>>(
    tenant: string,
    subject: string,
    method: string,
    path: string,
    body?: unknown,
    rawBody?: string,
  ): Promise<ApiResponse<T>> {
    const headers = { authorization: `Bearer ${await this.token(tenant, subject)}` };
    return api<T>(this.baseUrl(), method, path, body, rawBody, { headers });
  }
}
