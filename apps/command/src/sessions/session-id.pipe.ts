import { PipeTransform } from '@nestjs/common';
import { conversationIdSchema } from '@threadline/contracts';
import { ApiError } from '@threadline/errors';

/** Checks the `{id}` path segment of a session route against the conversation id grammar. */
export class SessionIdPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    const parsed = conversationIdSchema.safeParse(value);
    if (!parsed.success) {
      throw ApiError.badRequest('invalid_session_id', `id: ${parsed.error.issues[0].message}`);
    }
    return parsed.data;
  }
}
