import { Controller, Get, Inject } from '@nestjs/common';
import { COMMAND_CONFIG, CommandConfig } from '../config/command.config';
import { openApiDocument } from './openapi.document';

@Controller('v1/openapi.json')
export class OpenApiController {
  private readonly document: Record<string, unknown>;

  constructor(@Inject(COMMAND_CONFIG) config: CommandConfig) {
    this.document = openApiDocument(config);
  }

  @Get()
  get(): Record<string, unknown> {
    return this.document;
  }
}
