import { Client } from 'pg';
import { createApiKey, TestIdentityProvider } from '../../test/support/identity-provider';
import { log } from './scenario';
import { BENCH_LAYOUT } from './services';

/** Longer than any run: the JWT never expires mid-measurement. */
const JWT_LIFETIME_S = 3600;

/** One principal's two credentials, and the environment that makes a command accept both. */
export interface BenchCredentials {
  /** AUTH_MODE=on, trusting the local identity provider's JWKS. */
  authEnv: Record<string, string>;
  /** `tl_...`, minted with the command's CLI of the bench's build, in the api_keys table. */
  apiKey: string;
  /** Signed (ES256) by the local identity provider, whose JWKS the command fetches over HTTP. */
  jwt: string;
  /** Stops the identity provider and deletes the API key's row. Best effort. */
  close(): Promise<void>;
}

/**
 * An API key and a JWT of the same tenant, subject and scopes. `env` is a command's
 * environment (its DATABASE_URL is where the key goes).
 */
export async function mintCredentials(
  env: Record<string, string>,
  principal: { tenant: string; subject: string; scopes: string[] },
): Promise<BenchCredentials> {
  const provider = new TestIdentityProvider();
  const jwksUrl = await provider.start();
  const created = createApiKey(env, principal.tenant, principal.subject, principal.scopes, BENCH_LAYOUT);
  const jwt = await provider.token(
    { tenant_id: principal.tenant, sub: principal.subject, scope: principal.scopes.join(' ') },
    { expiresInS: JWT_LIFETIME_S },
  );
  return {
    authEnv: provider.authEnv(jwksUrl),
    apiKey: created.key,
    jwt,
    close: async () => {
      await provider.stop();
      await deleteApiKey(env.DATABASE_URL, created.id);
    },
  };
}

async function deleteApiKey(databaseUrl: string, id: string): Promise<void> {
  const db = new Client({ connectionString: databaseUrl });
  try {
    await db.connect();
    await db.query('DELETE FROM api_keys WHERE id = $1', [id]);
  } catch (error) {
    log(`could not delete the bench's API key ${id}: ${(error as Error).message}`);
  } finally {
    await db.end().catch(() => undefined);
  }
}
