import { PipeTransform } from '@nestjs/common';
import { RUN_ID_PATTERN } from '@threadline/contracts';
import { runNotFound } from './run-refusals';

/** A `{run_id}` outside the run id grammar names no run: 404 run_not_found, like an absent one. */
export class RunIdPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (!RUN_ID_PATTERN.test(value)) {
      throw runNotFound(value);
    }
    return value;
  }
}
