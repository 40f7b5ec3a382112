import { Inject, Injectable } from '@nestjs/common';
import { COMMAND_CONFIG, CommandConfig } from '../config/command.config';
import { ZodValidationPipe } from '../http/zod-validation.pipe';
import { replayQuerySchema, tailQuerySchema } from './read-query.dto';

/** Query validation for reads; the page size limit comes from configuration. */
@Injectable()
export class ReadQueryPipes {
  readonly tail;
  readonly replay;

  constructor(@Inject(COMMAND_CONFIG) config: CommandConfig) {
    this.tail = new ZodValidationPipe(tailQuerySchema(config.reads.maxLimit), 'invalid_query');
    this.replay = new ZodValidationPipe(replayQuerySchema(config.reads.maxLimit), 'invalid_query');
  }
}
