import { z } from 'zod';
import { messageViewSchema } from '@threadline/persistence';

/**
 * - strong: the page reflects every append acknowledged before the read began.
 * - eventual: the client asked not to wait.
 * - stale: the projection did not catch up within the wait, or the page stops at a seq not settled yet.
 */
export const consistencySchema = z.enum(['strong', 'eventual', 'stale']);

export type Consistency = z.infer<typeof consistencySchema>;

export const messagePageSchema = z.object({
  messages: z.array(messageViewSchema),
  /** tail: the offset of the next (older) page, null at the beginning; replay: the `from` of the next page. */
  next_cursor: z.number().int().nullable(),
  consistency: consistencySchema,
});

export type MessagePage = z.infer<typeof messagePageSchema>;
