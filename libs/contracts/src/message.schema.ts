import { z } from 'zod';

/**
 * Message parts follow the AI SDK's UI message parts. Known part types are
 * checked; a part whose `type` we do not know is kept exactly as it was sent.
 */
const textPart = z.object({ type: z.literal('text'), text: z.string() }).loose();
const reasoningPart = z.object({ type: z.literal('reasoning'), text: z.string() }).loose();
const toolCallPart = z
  .object({
    type: z.literal('tool_call'),
    name: z.string().min(1).optional(),
    tool_name: z.string().min(1).optional(),
    tool_call_id: z.string().min(1).optional(),
  })
  .loose()
  .refine((p) => p.name !== undefined || p.tool_name !== undefined, {
    message: 'a tool_call part needs a name',
    path: ['name'],
  });
const toolResultPart = z
  .object({
    type: z.literal('tool_result'),
    name: z.string().min(1).optional(),
    tool_name: z.string().min(1).optional(),
    tool_call_id: z.string().min(1).optional(),
  })
  .loose();
const filePart = z
  .object({
    type: z.literal('file'),
    media_type: z.string().min(1).optional(),
    mediaType: z.string().min(1).optional(),
    url: z.string().min(1).optional(),
    data: z.string().optional(),
  })
  .loose()
  .refine((p) => p.url !== undefined || p.data !== undefined, {
    message: 'a file part needs a url or data',
    path: ['url'],
  });
const dataPart = z.object({ type: z.literal('data'), data: z.unknown() }).loose();

type KnownPartType = 'text' | 'reasoning' | 'tool_call' | 'tool_result' | 'file' | 'data';

const knownPartSchemas: Record<KnownPartType, z.ZodType> = {
  text: textPart,
  reasoning: reasoningPart,
  tool_call: toolCallPart,
  tool_result: toolResultPart,
  file: filePart,
  data: dataPart,
};

export const partSchema = z
  .object({ type: z.string().min(1, 'a part needs a non-empty string type') })
  .loose()
  .superRefine((part, ctx) => {
    // Own keys only: a part typed `constructor` or `__proto__` is an unknown type, not Object.prototype's.
    const known = Object.hasOwn(knownPartSchemas, part.type) ? knownPartSchemas[part.type as KnownPartType] : undefined;
    if (!known) {
      return;
    }
    const result = known.safeParse(part);
    if (!result.success) {
      for (const issue of result.error.issues) {
        ctx.addIssue({ code: 'custom', message: issue.message, path: issue.path });
      }
    }
  });

export type MessagePart = z.infer<typeof partSchema>;

/** token_count is stored as a Postgres integer. */
export const MAX_TOKEN_COUNT = 2_147_483_647;

export const jsonObjectSchema = z.record(z.string(), z.unknown());

export const messageBodySchema = z.object({
  role: z.string().min(1, 'role must be a non-empty string').max(64, 'role must be at most 64 characters'),
  parts: z.array(partSchema).min(1, 'parts must hold at least one part'),
  metadata: jsonObjectSchema.optional(),
  token_count: z.number().int().min(0).max(MAX_TOKEN_COUNT).optional(),
});

export type MessageBody = z.infer<typeof messageBodySchema>;
