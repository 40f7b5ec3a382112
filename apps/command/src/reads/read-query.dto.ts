import { z } from 'zod';

const intParam = (name: string, min: number, fallback: number) =>
  z
    .string()
    .optional()
    .refine((s) => s === undefined || /^\d+$/.test(s), { message: `${name} must be a non-negative integer` })
    .transform((s) => (s === undefined ? fallback : Number.parseInt(s, 10)))
    .pipe(z.number().int().min(min, `${name} must be >= ${min}`).max(Number.MAX_SAFE_INTEGER));

const consistencyParam = z.enum(['strong', 'eventual']).default('strong');

export function tailQuerySchema(maxLimit: number) {
  return z.object({
    offset: intParam('offset', 0, 0),
    limit: intParam('limit', 1, 100).pipe(z.number().max(maxLimit, `limit must be <= ${maxLimit}`)),
    consistency: consistencyParam,
  });
}

export function replayQuerySchema(maxLimit: number) {
  return z.object({
    from: intParam('from', 0, 0),
    limit: intParam('limit', 1, 100).pipe(z.number().max(maxLimit, `limit must be <= ${maxLimit}`)),
    consistency: consistencyParam,
  });
}

export type TailQuery = z.output<ReturnType<typeof tailQuerySchema>>;
export type ReplayQuery = z.output<ReturnType<typeof replayQuerySchema>>;
