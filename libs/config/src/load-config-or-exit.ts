import { z } from 'zod';
import { ConfigError } from './config-error';
import { loadConfig } from './load-config';

/** For main.ts: a bad environment stops the service with one clear line and exit code 78 (EX_CONFIG). */
export function loadConfigOrExit<S extends z.ZodType>(schema: S): z.output<S> {
  try {
    return loadConfig(schema);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(78);
    }
    throw error;
  }
}
