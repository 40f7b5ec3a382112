import { PipeTransform } from '@nestjs/common';
import { z } from 'zod';
import { findUnstorableJson, formatJsonPath } from '@threadline/contracts';
import { ApiError, ErrorCode } from '@threadline/errors';

/**
 * Validates a body or query against a zod schema, after checking that every
 * value in it can be stored, streamed and archived (findUnstorableJson: no NUL,
 * no unpaired surrogate, no Infinity, a bounded nesting). The first issue
 * becomes the error: its code depends on the field (`invalid_metadata` for
 * metadata, else the pipe's default code) and the message names the field.
 */
export class ZodValidationPipe<S extends z.ZodType> implements PipeTransform<unknown, z.output<S>> {
  constructor(
    private readonly schema: S,
    private readonly defaultCode: ErrorCode,
    private readonly codeForPath: (path: PropertyKey[]) => ErrorCode | undefined = () => undefined,
  ) {}

  transform(value: unknown): z.output<S> {
    const unstorable = findUnstorableJson(value);
    if (unstorable) {
      throw this.error(unstorable.path, unstorable.reason);
    }
    const parsed = this.schema.safeParse(value ?? {});
    if (parsed.success) {
      return parsed.data;
    }
    const issue = parsed.error.issues[0];
    throw this.error(issue.path, issue.message);
  }

  private error(path: PropertyKey[], message: string): ApiError {
    const field = path.length > 0 ? formatJsonPath(path) : 'body';
    const code = this.codeForPath(path) ?? this.defaultCode;
    return ApiError.badRequest(code, `${field}: ${message}`);
  }
}
