import { z } from 'zod';

/** An integer read from an environment variable, with a default and bounds. */
export function envInt(defaultValue: number, min: number, max: number) {
  return z
    .string()
    .default(String(defaultValue))
    .refine((s) => /^-?\d+$/.test(s.trim()), { message: 'expected an integer' })
    .transform((s) => Number.parseInt(s.trim(), 10))
    .pipe(z.number().int().min(min, `must be >= ${min}`).max(max, `must be <= ${max}`));
}

/** A boolean read from an environment variable: true/false/1/0/yes/no. */
export function envBool(defaultValue: boolean) {
  return z
    .string()
    .default(String(defaultValue))
    .transform((s) => s.trim().toLowerCase())
    .refine((s) => ['true', 'false', '1', '0', 'yes', 'no'].includes(s), {
      message: 'expected true or false',
    })
    .transform((s) => s === 'true' || s === '1' || s === 'yes');
}

/** A TCP port. */
export function envPort(defaultValue: number) {
  return envInt(defaultValue, 1, 65535);
}

/** A URL with one of the given protocols, e.g. postgres: or redis:. */
export function envUrl(defaultValue: string, protocols: string[]) {
  return z
    .string()
    .default(defaultValue)
    .refine(
      (s) => {
        try {
          return protocols.includes(new URL(s).protocol);
        } catch {
          return false;
        }
      },
      { message: `expected a URL starting with ${protocols.map((p) => `${p}//`).join(' or ')}` },
    );
}

export const logLevelEnv = z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info');

/** A JSON value read from an environment variable and checked against a schema. */
export function envJson<Schema extends z.ZodType>(schema: Schema, defaultValue: z.input<Schema>) {
  return z
    .string()
    .default(JSON.stringify(defaultValue))
    .transform((s, context): unknown => {
      try {
        return JSON.parse(s);
      } catch {
        context.addIssue({ code: 'custom', message: 'expected JSON' });
        return z.NEVER;
      }
    })
    .pipe(schema);
}
