import { randomBytes } from 'node:crypto';
import { SecretBox, newSigningSecret } from './secret-box';

describe('SecretBox', () => {
  const key = randomBytes(32).toString('base64');

  it('opens what it sealed, and seals the same secret differently each time', () => {
    const box = new SecretBox(key);
    const secret = newSigningSecret();
    const a = box.seal(secret);
    expect(a).not.toContain(secret.slice(6));
    expect(box.seal(secret)).not.toBe(a);
    expect(box.open(a)).toBe(secret);
  });

  it('refuses a sealed secret that was altered or sealed under another key', () => {
    const sealed = new SecretBox(key).seal('whsec_x');
    const parts = sealed.split('.');
    parts[3] = Buffer.from('tampered').toString('base64url');
    expect(() => new SecretBox(key).open(parts.join('.'))).toThrow();
    expect(() => new SecretBox(randomBytes(32).toString('base64')).open(sealed)).toThrow();
  });

  it('refuses a key that is not 32 bytes', () => {
    expect(() => new SecretBox(randomBytes(16).toString('base64'))).toThrow(/32 bytes/);
  });
});
