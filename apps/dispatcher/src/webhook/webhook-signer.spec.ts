import { Webhook } from 'standardwebhooks';
import { newSigningSecret } from '@threadline/auth';
import { signWebhook } from './webhook-signer';

describe('signWebhook', () => {
  const payload = JSON.stringify({ type: 'conversation.messages', delivery_id: 'd1' });

  it('is verified by the standardwebhooks reference implementation', () => {
    const secret = newSigningSecret();
    const headers = signWebhook([secret], 'd1', new Date(), payload);
    expect(new Webhook(secret).verify(payload, { ...headers })).toEqual(JSON.parse(payload));
  });

  it('signs with both secrets during a rotation, so a receiver holding either verifies', () => {
    const [current, previous] = [newSigningSecret(), newSigningSecret()];
    const headers = signWebhook([current, previous], 'd1', new Date(), payload);
    expect(headers['webhook-signature'].split(' ')).toHaveLength(2);
    expect(() => new Webhook(current).verify(payload, { ...headers })).not.toThrow();
    expect(() => new Webhook(previous).verify(payload, { ...headers })).not.toThrow();
    expect(() => new Webhook(newSigningSecret()).verify(payload, { ...headers })).toThrow();
  });

  it('does not verify a tampered payload', () => {
    const secret = newSigningSecret();
    const headers = signWebhook([secret], 'd1', new Date(), payload);
    expect(() => new Webhook(secret).verify(payload.replace('d1', 'd2'), { ...headers })).toThrow();
  });
});
