import { generateApiKey, hashApiKey, isApiKeyShaped } from './api-key-format';

describe('API key format', () => {
  it('is tl_ and the base64url of 32 random bytes, different every time', () => {
    const key = generateApiKey();
    expect(key).toMatch(/^tl_[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(key.slice(3), 'base64url')).toHaveLength(32);
    expect(generateApiKey()).not.toBe(key);
    expect(isApiKeyShaped(key)).toBe(true);
  });

  it('recognizes what cannot be a key', () => {
    expect(isApiKeyShaped('tl_short')).toBe(false);
    expect(isApiKeyShaped(`xx_${'a'.repeat(43)}`)).toBe(false);
  });

  it('is stored as its SHA-256 in hex', () => {
    expect(hashApiKey('tl_abc')).toBe('c1e081e9240aead0b5290ad61bf6363b298a4125f92301e5ab44e0e78a1e9509');
  });
});
