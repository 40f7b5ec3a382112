import { PipeTransform } from '@nestjs/common';
import { z } from 'zod';
import { ApiError } from './api-error';

/**
 * Validates a body or query against a zod schema. The first issue becomes the
 * error: its code depends on the field (`invalid_metadata` for metadata, else
 * the pipe's default code) and the message names the field.
 */
export class ZodValidationPipe<S extends z.ZodType> implements PipeTransform<unknown, z.output<S>> {
  constructor(
    private readonly schema: S,
    private readonly defaultCode: string,
    private readonly codeForPath: (path: PropertyKey[]) => string | undefined = () => undefined,
  ) {}

  transform(value: unknown): z.output<S> {
    const parsed = this.schema.safeParse(value ?? {});
    if (parsed.success) {
      return parsed.data;
    }
    const issue = parsed.error.issues[0];
    const field = issue.path.length > 0 ? issue.path.map(String).join('.') : 'body';
    const code = this.codeForPath(issue.path) ?? this.defaultCode;
    throw ApiError.badRequest(code, `${field}: ${issue.message}`);
  }
}
