import { z } from 'zod';

/** What the API takes, from the zod schemas its pipes validate with. */
export const json = (schema: z.ZodType) => z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' });
/** What the API answers, from the same zod schemas the code types its answers with. */
export const answer = (schema: z.ZodType) => z.toJSONSchema(schema, { io: 'output', unrepresentable: 'any' });
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
export const body = (name: string) => ({ 'application/json': { schema: ref(name) } });
export const error = (description: string) => ({ description, content: body('Error') });
/** Every route but the OpenAPI document: a missing or bad credential, a missing scope or another conversation. */
export const denied = (scope: string) => ({
  '401': error(
    'unauthorized (WWW-Authenticate: Bearer): no credential, or one that is malformed, unknown, expired or revoked',
  ),
  '403': error(`forbidden_scope (needs ${scope}), forbidden_conversation (a token pinned to another conversation)`),
});
