import { z } from 'zod';

/**
 * The key that seals agents' webhook signing secrets at rest (SecretBox in
 * @threadline/auth): 32 bytes, base64. The command seals, the dispatcher opens;
 * both must be given the same key. No default: a key baked into the code would seal nothing.
 */
export const agentSecretsEnv = {
  AGENT_SECRETS_KEY: z
    .string()
    .refine((s) => /^[A-Za-z0-9+/]+={0,2}$/.test(s) && Buffer.from(s, 'base64').length === 32, {
      message: 'expected 32 random bytes, base64-encoded (openssl rand -base64 32)',
    }),
};
