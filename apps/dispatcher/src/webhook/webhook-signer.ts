import { Webhook } from 'standardwebhooks';

/** The Standard Webhooks headers of one attempt. */
export interface SignedHeaders {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
}

/**
 * Signs a payload as the Standard Webhooks specification says (the
 * `standardwebhooks` reference implementation): `v1,<base64 HMAC-SHA256 of
 * id.timestamp.payload>`. During a rotation's grace period every secret given
 * signs, and the signatures are space-separated: a receiver holding either verifies.
 */
export function signWebhook(secrets: readonly string[], id: string, at: Date, payload: string): SignedHeaders {
  return {
    'webhook-id': id,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': secrets.map((secret) => new Webhook(secret).sign(id, at, payload)).join(' '),
  };
}
