import { z } from 'zod';
import { ConfigError } from './config-error';

/**
 * Validates the environment once, at start-up, into a typed configuration object.
 * The first problem found becomes one line that names the variable, e.g.
 * `KAFKA_BROKERS: expected host:port[,host:port...], got "localhost"`.
 */
export function loadConfig<S extends z.ZodType>(schema: S, env: NodeJS.ProcessEnv = process.env): z.output<S> {
  const parsed = schema.safeParse(env);
  if (parsed.success) {
    return parsed.data;
  }
  const issue = parsed.error.issues[0];
  const variable = issue.path.join('.') || 'environment';
  const raw = issue.path.length === 1 ? env[String(issue.path[0])] : undefined;
  const got = raw === undefined ? 'it is not set' : `got ${JSON.stringify(raw)}`;
  throw new ConfigError(`Invalid configuration: ${variable}: ${issue.message} (${got})`);
}
