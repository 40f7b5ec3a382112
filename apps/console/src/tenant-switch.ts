import { api } from './api';
import { storeCredential, storedCredential } from './session';

/**
 * An admin's view of another tenant, through what the admin scope allows: a key of that tenant minted with
 * POST /v1/admin/api-keys (read scopes only), used in place of the admin key, and revoked when the admin switches
 * back or signs out. Both keys stay in sessionStorage only.
 */
const SWITCH = 'threadline.console.switch';
const SCOPES = ['conversations:read', 'agents:manage'];

export interface TenantSwitch {
  tenant: string;
  keyId: string;
  adminCredential: string;
}

export function currentSwitch(): TenantSwitch | null {
  const stored = sessionStorage.getItem(SWITCH);
  return stored === null ? null : (JSON.parse(stored) as TenantSwitch);
}

export async function switchTenant(tenant: string): Promise<void> {
  const adminCredential = currentSwitch()?.adminCredential ?? storedCredential() ?? '';
  await leaveTenant();
  const minted = await api<{ id: string; key: string }>('/v1/admin/api-keys', {
    method: 'POST',
    body: { tenant_id: tenant, subject: 'user:console-admin', scopes: SCOPES },
    credential: adminCredential,
  });
  sessionStorage.setItem(SWITCH, JSON.stringify({ tenant, keyId: minted.id, adminCredential }));
  storeCredential(minted.key);
}

/** Back to the admin key; the minted key is revoked. */
export async function leaveTenant(): Promise<void> {
  const active = currentSwitch();
  if (active === null) {
    return;
  }
  await api(`/v1/admin/api-keys/${active.keyId}`, { method: 'DELETE', credential: active.adminCredential });
  sessionStorage.removeItem(SWITCH);
  storeCredential(active.adminCredential);
}
