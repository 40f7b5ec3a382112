import { z } from 'zod';
import { conversationViewSchema } from '../conversations/conversation.dto';
import { sessionViewSchema } from '../sessions/session.dto';

const nextCursor = z.string().nullable().describe('pass as `cursor` for the next page; null on the last page');

export const sessionListSchema = z.object({ sessions: z.array(sessionViewSchema), next_cursor: nextCursor });

export const conversationListSchema = z.object({
  conversations: z.array(conversationViewSchema),
  next_cursor: nextCursor,
});
