import { HttpStatus, PipeTransform } from '@nestjs/common';
import { ApiError } from '@threadline/errors';
import { agentIdSchema } from './agent.dto';

/** The `{id}` of an agent route: an id no agent can have is simply not found. */
export class AgentIdPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (!agentIdSchema.safeParse(value).success) {
      throw new ApiError(HttpStatus.NOT_FOUND, 'not_found', `No agent ${value}`);
    }
    return value;
  }
}
