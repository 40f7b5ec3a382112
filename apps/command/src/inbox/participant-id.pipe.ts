import { PipeTransform } from '@nestjs/common';
import { ApiError } from '@threadline/errors';
import { participantIdSchema } from './inbox.dto';

/** Checks the `{participantId}` path segment against the participant id grammar. */
export class ParticipantIdPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    const parsed = participantIdSchema.safeParse(value);
    if (!parsed.success) {
      throw ApiError.badRequest('bad_request', `participant id: ${parsed.error.issues[0].message}`);
    }
    return parsed.data;
  }
}
