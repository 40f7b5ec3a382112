import { z } from 'zod';
import { PARTICIPANT_ID_PATTERN } from '@threadline/contracts';
import { INBOX_PREVIEW_CHARS } from '@threadline/persistence';

/** Entries per inbox page: the default and the most a `limit` may ask for. */
export const INBOX_DEFAULT_LIMIT = 50;
export const INBOX_MAX_LIMIT = 200;

export const readCursorSchema = z.strictObject({
  seq: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
});

export type ReadCursorDto = z.infer<typeof readCursorSchema>;

export const inboxQuerySchema = z.strictObject({
  cursor: z.string().min(1).max(1024).optional(),
  limit: z
    .string()
    .regex(/^\d+$/, 'limit must be a positive integer')
    .optional()
    .transform((s) => (s === undefined ? INBOX_DEFAULT_LIMIT : Number.parseInt(s, 10)))
    .pipe(z.number().int().min(1, 'limit must be >= 1').max(INBOX_MAX_LIMIT, `limit must be <= ${INBOX_MAX_LIMIT}`)),
});

export type InboxQuery = z.output<typeof inboxQuerySchema>;

export const participantIdSchema = z
  .string()
  .regex(PARTICIPANT_ID_PATTERN, 'must match [A-Za-z0-9][A-Za-z0-9._:-]{0,127}');

/** The read cursor in force after a `PUT .../read`. */
export const readCursorViewSchema = z.object({
  conversation_id: z.string(),
  participant_id: z.string(),
  read_seq: z.number().int().min(0),
  updated_at: z.iso.datetime({ offset: true }),
});

export type ReadCursorView = z.infer<typeof readCursorViewSchema>;

/** One inbox entry (InboxEntry of libs/persistence, which realtime's deltas send too). */
export const inboxEntrySchema = z.object({
  id: z.string(),
  unread_count: z.number().int().min(0),
  last_seq: z.number().int().min(0),
  last_activity_at: z.iso.datetime({ offset: true }),
  last_sender: z.string().nullable(),
  preview: z
    .string()
    .max(2 * INBOX_PREVIEW_CHARS)
    .nullable(),
  read_seq: z.number().int().min(0),
});

export const inboxPageSchema = z.object({
  conversations: z.array(inboxEntrySchema),
  next_cursor: z.string().nullable(),
});

export type InboxPageView = z.infer<typeof inboxPageSchema>;
