import { createLocalJWKSet, exportJWK, generateKeyPair, JWTVerifyGetKey, SignJWT } from 'jose';
import { ApiError } from '@threadline/errors';
import { JwtAuthenticator, VERIFIED_TOKEN_CACHE_MS } from './jwt-authenticator';

const config = {
  jwksUrl: 'https://idp.test/jwks.json',
  issuer: 'https://idp.test/',
  audience: 'threadline',
  leewaySeconds: 0,
};

async function provider() {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  const local = createLocalJWKSet({ keys: [{ ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256' }] });
  let lookups = 0;
  const keys: JWTVerifyGetKey = (header, token) => {
    lookups += 1;
    return local(header, token);
  };
  const sign = (expiresInS: number) => {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({ tenant_id: 'acme', sub: 'user:ada', scope: 'conversations:read' })
      .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
      .setIssuer(config.issuer)
      .setAudience(config.audience)
      .setExpirationTime(now + expiresInS)
      .sign(privateKey);
  };
  return { keys, sign, lookups: () => lookups };
}

describe('JwtAuthenticator', () => {
  it('checks a token once and trusts it again without a signature check for VERIFIED_TOKEN_CACHE_MS', async () => {
    const idp = await provider();
    let clock = Date.now();
    const authenticator = new JwtAuthenticator(config, idp.keys, () => clock);
    const token = await idp.sign(600);
    const first = await authenticator.authenticate(token);
    expect(await authenticator.authenticate(token)).toBe(first);
    expect(idp.lookups()).toBe(1);
    clock += VERIFIED_TOKEN_CACHE_MS + 1;
    await authenticator.authenticate(token);
    expect(idp.lookups()).toBe(2);
  });

  it('never serves a token from the cache past its exp: it is checked again, and refused once expired', async () => {
    const idp = await provider();
    let clock = Date.now();
    const authenticator = new JwtAuthenticator(config, idp.keys, () => clock);
    const token = await idp.sign(2);
    const principal = await authenticator.authenticate(token);
    clock = principal.expiresAt!.getTime();
    await authenticator.authenticate(token);
    expect(idp.lookups()).toBe(2);
  });

  it('caches nothing it refused', async () => {
    const idp = await provider();
    const authenticator = new JwtAuthenticator({ ...config, audience: 'someone-else' }, idp.keys);
    const token = await idp.sign(600);
    for (let attempt = 0; attempt < 2; attempt++) {
      await expect(authenticator.authenticate(token)).rejects.toBeInstanceOf(ApiError);
    }
    expect(idp.lookups()).toBe(2);
  });
});
