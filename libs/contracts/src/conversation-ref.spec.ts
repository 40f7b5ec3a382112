import { conversationKey, parseConversationKey } from './conversation-ref';

describe('conversationKey', () => {
  it('is the bare id for the default tenant, so conversations from before tenants keep their key', () => {
    expect(conversationKey({ tenantId: 'default', conversationId: 'demo' })).toBe('demo');
  });

  it('prefixes the tenant otherwise', () => {
    expect(conversationKey({ tenantId: 'acme', conversationId: 'demo' })).toBe('acme/demo');
  });

  it('gives two tenants with the same conversation id two keys', () => {
    const keys = ['default', 'acme', 'globex'].map((tenantId) => conversationKey({ tenantId, conversationId: 'demo' }));
    expect(new Set(keys).size).toBe(3);
  });

  it('is read back by parseConversationKey', () => {
    for (const ref of [
      { tenantId: 'default', conversationId: 'demo' },
      { tenantId: 'acme', conversationId: 'a:b.c' },
    ]) {
      expect(parseConversationKey(conversationKey(ref))).toEqual(ref);
    }
  });
});
