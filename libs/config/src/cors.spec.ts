import { z } from 'zod';
import { ConfigError } from './config-error';
import { corsEnv } from './cors';
import { loadConfig } from './load-config';

const schema = z.object(corsEnv);

describe('CORS_ORIGINS', () => {
  it('is empty by default: no origin may call cross-origin', () => {
    expect(loadConfig(schema, {}).CORS_ORIGINS).toEqual([]);
  });

  it('reads a comma list of exact origins', () => {
    const env = { CORS_ORIGINS: 'https://app.example.com, http://127.0.0.1:5173' };
    expect(loadConfig(schema, env).CORS_ORIGINS).toEqual(['https://app.example.com', 'http://127.0.0.1:5173']);
  });

  it.each(['*', 'app.example.com', 'https://app.example.com/', 'https://app.example.com/chat', 'ftp://files.example'])(
    'refuses %j at start-up, naming the variable',
    (value) => {
      expect(() => loadConfig(schema, { CORS_ORIGINS: value })).toThrow(ConfigError);
      expect(() => loadConfig(schema, { CORS_ORIGINS: value })).toThrow(
        /^Invalid configuration: CORS_ORIGINS: expected/,
      );
    },
  );
});
