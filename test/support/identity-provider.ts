import { execFileSync } from 'node:child_process';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, JWK, JWTPayload, SignJWT } from 'jose';
import { entryPoint, ProcessLayout, TEST_LAYOUT } from './service-process';
import { allocatePort } from './test-env';

export const TEST_ISSUER = 'https://idp.test/';
export const TEST_AUDIENCE = 'threadline';

export interface SigningKey {
  kid: string;
  privateKey: Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];
  jwk: JWK;
}

export async function signingKey(kid: string): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  return { kid, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' } };
}

export interface TokenOptions {
  key?: SigningKey;
  kid?: string | null;
  issuer?: string;
  audience?: string;
  expiresInS?: number;
}

/**
 * A real identity provider for tests: its JWKS served over HTTP on loopback (keys
 * made by jose), and the JWTs it signs. `served` is what the JWKS answers with;
 * tests change it to rotate keys.
 */
export class TestIdentityProvider {
  served: SigningKey[] = [];
  current!: SigningKey;
  private readonly server: Server = createServer((_req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ keys: this.served.map((k) => k.jwk) }));
  });

  /** Starts serving a fresh key; returns the JWKS URL. */
  async start(): Promise<string> {
    this.current = await signingKey('k1');
    this.served = [this.current];
    await new Promise<void>((resolve) => this.server.listen(allocatePort(), '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/jwks.json`;
  }

  /** The environment that makes a service trust this provider. */
  authEnv(jwksUrl: string): Record<string, string> {
    return { AUTH_MODE: 'on', AUTH_JWKS_URL: jwksUrl, AUTH_JWT_ISSUER: TEST_ISSUER, AUTH_JWT_AUDIENCE: TEST_AUDIENCE };
  }

  /** A JWT of this provider (or, with the options, a forgery or a misfit of it). `tenant_id` and `sub` are claims. */
  async token(claims: JWTPayload, options: TokenOptions = {}): Promise<string> {
    const key = options.key ?? this.current;
    const kid = options.kid === undefined ? key.kid : options.kid;
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT(claims)
      .setProtectedHeader(kid === null ? { alg: 'ES256' } : { alg: 'ES256', kid })
      .setIssuer(options.issuer ?? TEST_ISSUER)
      .setAudience(options.audience ?? TEST_AUDIENCE)
      .setIssuedAt(now)
      .setExpirationTime(now + (options.expiresInS ?? 600))
      .sign(key.privateKey);
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/**
 * Mints an API key with the command's CLI (as an operator does for the first admin key), from the build of
 * `layout` (the tests' dist/ unless told); returns the key.
 */
export function createApiKey(
  env: Record<string, string>,
  tenant: string,
  subject: string,
  scopes: string[],
  layout: ProcessLayout = TEST_LAYOUT,
): { id: string; key: string } {
  const created = execFileSync(
    process.execPath,
    [
      entryPoint('command', layout),
      'api-keys',
      'create',
      '--tenant',
      tenant,
      '--subject',
      subject,
      '--scopes',
      scopes.join(','),
    ],
    { env: { ...process.env, ...env }, encoding: 'utf8' },
  );
  return JSON.parse(created) as { id: string; key: string };
}
