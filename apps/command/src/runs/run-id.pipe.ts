import { HttpStatus, PipeTransform } from '@nestjs/common';
import { runIdSchema } from '@threadline/contracts';
import { ApiError } from '@threadline/errors';

/** The `{run_id}` path segment: an id outside the grammar names no run (404 run_not_found, naming the field). */
export class RunIdPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    const parsed = runIdSchema.safeParse(value);
    if (!parsed.success) {
      throw new ApiError(HttpStatus.NOT_FOUND, 'run_not_found', `run_id: ${parsed.error.issues[0].message}`);
    }
    return parsed.data;
  }
}
