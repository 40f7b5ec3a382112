import { z } from 'zod';
import { ConfigError } from './config-error';
import { envBool, envInt } from './env-types';
import { kafkaEnv } from './sections';
import { loadConfig } from './load-config';

const schema = z.object({ ...kafkaEnv, PORT: envInt(4000, 1, 65535), DEBUG: envBool(false) });

describe('loadConfig', () => {
  it('applies defaults and converts types', () => {
    const config = loadConfig(schema, {});
    expect(config).toMatchObject({ KAFKA_BROKERS: ['127.0.0.1:9092'], PORT: 4000, DEBUG: false });
  });

  it('splits a broker list', () => {
    expect(loadConfig(schema, { KAFKA_BROKERS: 'a:1, b:2' }).KAFKA_BROKERS).toEqual(['a:1', 'b:2']);
  });

  it.each([
    [{ PORT: 'abc' }, /^Invalid configuration: PORT: expected an integer \(got "abc"\)$/],
    [{ PORT: '70000' }, /^Invalid configuration: PORT: must be <= 65535/],
    [{ KAFKA_BROKERS: 'localhost' }, /^Invalid configuration: KAFKA_BROKERS: expected host:port/],
    [{ DEBUG: 'maybe' }, /^Invalid configuration: DEBUG: expected true or false/],
  ])('rejects %j with one line naming the variable', (env, message) => {
    expect(() => loadConfig(schema, env)).toThrow(ConfigError);
    expect(() => loadConfig(schema, env)).toThrow(message);
  });
});
