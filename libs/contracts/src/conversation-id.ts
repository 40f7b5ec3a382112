import { z } from 'zod';

/** Client-chosen conversation ids: 1-128 characters of [A-Za-z0-9._:-], starting with a letter or digit. */
export const CONVERSATION_ID_MAX_LENGTH = 128;
export const CONVERSATION_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

export const conversationIdSchema = z
  .string()
  .max(CONVERSATION_ID_MAX_LENGTH, `id must be at most ${CONVERSATION_ID_MAX_LENGTH} characters`)
  .regex(CONVERSATION_ID_PATTERN, 'id must match [A-Za-z0-9][A-Za-z0-9._:-]*');
