import { z } from 'zod';
import { runEventBodySchema } from '@threadline/contracts';

const runSeq = { run_seq: z.number().int().min(1) };

/** A run event as the API answers it: exactly its kind's fields and its run_seq. */
export const eventAnswerSchema = z.discriminatedUnion(
  'kind',
  runEventBodySchema.options.map((kind) => kind.extend(runSeq)) as unknown as [
    z.ZodObject<{ kind: z.ZodLiteral<string> }>,
    ...z.ZodObject<{ kind: z.ZodLiteral<string> }>[],
  ],
);
