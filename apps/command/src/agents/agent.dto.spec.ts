import { z } from 'zod';
import { createAgentSchema, historyLimitOf, updateAgentSchema } from './agent.dto';

const valid = { id: 'planner', webhook_url: 'https://agents.example/hook' };
const issuePath = (input: unknown, schema: z.ZodType = createAgentSchema) => {
  const result = schema.safeParse(input);
  return result.success ? null : result.error.issues[0].path.join('.');
};

describe('agent registration rules', () => {
  it('fills in the documented defaults', () => {
    expect(createAgentSchema.parse(valid)).toEqual({
      ...valid,
      headers: {},
      timeout_ms: 10_000,
      max_attempts: 8,
      history: { mode: 'none' },
      debounce_ms: 0,
      status: 'enabled',
    });
  });

  it('gives a tail without a limit 20 messages, and no limit to the other modes', () => {
    expect(historyLimitOf({ mode: 'tail' })).toBe(20);
    expect(historyLimitOf({ mode: 'tail', limit: 3 })).toBe(3);
    expect(historyLimitOf({ mode: 'entire' })).toBeNull();
    expect(historyLimitOf({ mode: 'none' })).toBeNull();
  });

  it.each([
    ['javascript:alert(1)', 'webhook_url'],
    ['file:///etc/passwd', 'webhook_url'],
    ['not a url', 'webhook_url'],
  ])('refuses the webhook URL %s', (url, path) => {
    expect(issuePath({ ...valid, webhook_url: url })).toBe(path);
  });

  it.each(['Host', 'CONTENT-TYPE', 'content-length', 'webhook-id', 'Webhook-Timestamp', 'webhook-signature'])(
    'refuses the header %s, which the dispatcher sets itself',
    (name) => {
      expect(issuePath({ ...valid, headers: { [name]: 'x' } })).toBe(`headers.${name}`);
    },
  );

  it('refuses header names that are not tokens, values that could end the line, and names differing in case only', () => {
    expect(issuePath({ ...valid, headers: { 'x y': 'v' } })).toBe('headers.x y');
    expect(issuePath({ ...valid, headers: { 'x-a': 'v\n' } })).toBe('headers.x-a');
    expect(issuePath({ ...valid, headers: { 'x-a': 'é' } })).toBe('headers.x-a');
    expect(issuePath({ ...valid, headers: { 'X-A': '1', 'x-a': '2' } })).toBe('headers');
    expect(issuePath({ ...valid, headers: { 'x-a': 'v'.repeat(1025) } })).toBe('headers.x-a');
    expect(issuePath({ ...valid, headers: { Authorization: 'Bearer t', 'X-Tenant': 'acme' } })).toBeNull();
  });

  it('takes any field but id on a patch, and sets no defaults there', () => {
    expect(updateAgentSchema.parse({ debounce_ms: 5 })).toEqual({ debounce_ms: 5 });
    expect(issuePath({ id: 'other' }, updateAgentSchema)).toBe('');
    expect(updateAgentSchema.safeParse({ id: 'other' }).error?.issues[0].message).toContain('id');
  });
});
