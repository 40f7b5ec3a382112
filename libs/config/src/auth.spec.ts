import { z } from 'zod';
import { authConfig, authEnv, checkAuthEnv } from './auth';
import { ConfigError } from './config-error';
import { loadConfig } from './load-config';

const schema = z
  .object({ ...authEnv, SERVICE_HOST: z.string().default('127.0.0.1') })
  .superRefine(checkAuthEnv('SERVICE_HOST'))
  .transform(authConfig);

const jwks = {
  AUTH_JWKS_URL: 'https://idp.example/.well-known/jwks.json',
  AUTH_JWT_ISSUER: 'https://idp.example/',
  AUTH_JWT_AUDIENCE: 'threadline',
};

describe('auth configuration', () => {
  it('refuses to start when AUTH_MODE is unset, naming the variable and its values', () => {
    expect(() => loadConfig(schema, {})).toThrow(ConfigError);
    expect(() => loadConfig(schema, {})).toThrow(
      /^Invalid configuration: AUTH_MODE: must be on .* or none .* \(it is not set\)$/,
    );
  });

  it('refuses an AUTH_MODE other than on or none', () => {
    expect(() => loadConfig(schema, { AUTH_MODE: 'off' })).toThrow(/^Invalid configuration: AUTH_MODE: .*got "off"/);
  });

  it.each(['127.0.0.1', '::1', 'localhost'])('accepts AUTH_MODE=none on the loopback host %s', (host) => {
    expect(loadConfig(schema, { AUTH_MODE: 'none', SERVICE_HOST: host })).toEqual({ mode: 'none' });
  });

  it.each(['0.0.0.0', '10.0.0.5', '::'])(
    'refuses AUTH_MODE=none on the non-loopback host %s, naming the host variable',
    (host) => {
      expect(() => loadConfig(schema, { AUTH_MODE: 'none', SERVICE_HOST: host })).toThrow(
        /^Invalid configuration: SERVICE_HOST: must be a loopback host .* when AUTH_MODE=none/,
      );
    },
  );

  it('accepts AUTH_MODE=on on any host, with API keys only when no JWKS is set', () => {
    expect(loadConfig(schema, { AUTH_MODE: 'on', SERVICE_HOST: '0.0.0.0' })).toEqual({
      mode: 'on',
      jwt: undefined,
      keyCacheMs: 5000,
    });
  });

  it.each(['AUTH_JWT_ISSUER', 'AUTH_JWT_AUDIENCE'] as const)('refuses a JWKS URL without %s', (variable) => {
    const env = { AUTH_MODE: 'on', ...jwks, [variable]: undefined };
    expect(() => loadConfig(schema, env)).toThrow(
      new RegExp(`^Invalid configuration: ${variable}: required when AUTH_JWKS_URL is set`),
    );
  });

  it('takes the JWT settings with a 30 s leeway by default', () => {
    expect(loadConfig(schema, { AUTH_MODE: 'on', ...jwks })).toEqual({
      mode: 'on',
      jwt: { jwksUrl: jwks.AUTH_JWKS_URL, issuer: jwks.AUTH_JWT_ISSUER, audience: 'threadline', leewaySeconds: 30 },
      keyCacheMs: 5000,
    });
  });

  it('refuses an API key cache above 5000 ms (a revoked key must stop within 5 s)', () => {
    expect(() => loadConfig(schema, { AUTH_MODE: 'on', AUTH_KEY_CACHE_MS: '5001' })).toThrow(
      /^Invalid configuration: AUTH_KEY_CACHE_MS: must be <= 5000/,
    );
  });
});
